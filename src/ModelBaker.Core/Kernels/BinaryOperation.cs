namespace ModelBaker.Core.Kernels;

/// <summary>
/// The element-wise binary operations of the Binary* kernels. Numbers are stored in plans and passed to the
/// generated code: a new operation gets a new number.
/// </summary>
public enum BinaryOperation
{
    Add = 0,
    Sub = 1,
    Mul = 2,
    Div = 3,
    Max = 4,
    Min = 5,
    /// <summary>a ≥ 0 ? a : a · b (b is the slope).</summary>
    PRelu = 6,
    /// <summary>Remainder with the divisor's sign (ONNX Mod with fmod=0, Python's %; integers).</summary>
    Mod = 7,
    /// <summary>Remainder with the dividend's sign (ONNX Mod with fmod=1, C's fmod).</summary>
    FMod = 8,
    /// <summary>a to the power b.</summary>
    Pow = 9,
}
