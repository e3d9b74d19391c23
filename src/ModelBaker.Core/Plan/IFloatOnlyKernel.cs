using ModelBaker.Core.Diagnostics;

namespace ModelBaker.Core.Plan;

/// <summary>
/// A float step with no int8 form (LRN). The baker asks before calibrating, so an int8 bake fails at once with the fix
/// (Precision="Float32") instead of after running the calibration samples through the whole model.
/// </summary>
public interface IFloatOnlyKernel
{
    /// <summary>The MB1104 error naming the node and saying to bake in float.</summary>
    BakeException Int8Refusal();
}
