using System.Globalization;
using ModelBaker.Core.Plan;

namespace ModelBaker.Cli;

/// <summary>Numbers as the CLI prints them: invariant culture, so output is the same on every machine.</summary>
public static class Format
{
    public static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    public static string Bytes(long n) => Count(n) + " B";

    public static string Fraction(float f) => f.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>"69,160 B -> 17,536 B (3.9x smaller)".</summary>
    public static string BeforeAfter(long before, long after)
    {
        string ratio = after > 0 ? (before / (double)after).ToString("0.0", CultureInfo.InvariantCulture) + "x smaller" : "all removed";
        return $"{Bytes(before)} -> {Bytes(after)} ({ratio})";
    }

    public static string Shape(int[]? shape) => shape == null ? "[?]" : "[" + string.Join(",", shape) + "]";

    public static string Tensor(PlanTensor t) => $"'{t.Name}' {Shape(t.Shape)}";
}
