using System;

namespace ModelBaker.Core.Plan;

/// <summary>
/// A step whose output stands for classes: a ZipMap's probabilities (one column per class) or a classifier's label as an
/// index (string class labels). The generated class exposes <see cref="Classes"/> as a static array named after the
/// output it writes, <c>&lt;Output&gt;Classes</c> (docs/classical-ml.md).
/// </summary>
public interface IClassLabels
{
    /// <summary>The classes, in column (or index) order: a long[] or a string[].</summary>
    Array Classes { get; }

    /// <summary>One sentence for the generated comment: how the output relates to the array named <paramref name="array"/>.</summary>
    string Describe(string output, string array);
}
