using ModelBaker.Core.Ir;

namespace ModelBaker.Core.Plan;

/// <summary>
/// A graph input or output of a baked plan: its ONNX name, element type and shape (batch 1), and its place in the
/// arenas. A float tensor stored as int8 (in int8 plans) maps its reals as real = Scale × (q − ZeroPoint).
/// </summary>
public sealed class PlanTensor
{
    public PlanTensor(string name, ElementType type, int[] shape, ArenaSlice slice, double scale = 1, int zeroPoint = 0)
    {
        Name = name;
        Type = type;
        Shape = shape;
        Slice = slice;
        Scale = scale;
        ZeroPoint = zeroPoint;
    }

    public string Name { get; }
    /// <summary>The element type Predict takes or returns for this tensor.</summary>
    public ElementType Type { get; }
    public int[] Shape { get; }
    public ArenaSlice Slice { get; }
    public double Scale { get; }
    public int ZeroPoint { get; }

    /// <summary>
    /// A model input quantized per feature (<see cref="IFeatureWiseInput"/>): element i of the tensor maps its real as
    /// real = FeatureScales[i mod n] × (q − FeatureZeroPoints[i mod n]), n features; null for one scale per tensor.
    /// </summary>
    public double[]? FeatureScales { get; init; }
    public int[]? FeatureZeroPoints { get; init; }
    public bool PerFeature => FeatureScales != null;

    /// <summary>
    /// A model input an Imputer of NaN reads (and nothing else): Predict replaces a NaN element i by
    /// MissingValues[i mod n] before quantizing it, as the float model's Imputer would, since int8 holds no NaN
    /// (docs/classical-ml.md#int8); null for every other tensor.
    /// </summary>
    public float[]? MissingValues { get; init; }

    /// <summary>
    /// A model input only tree ensembles read, quantized per feature: int8 −128 codes NaN (a missing feature, which the
    /// trees route as ONNX Runtime does) and reals take −127…127 (docs/classical-ml.md#int8).
    /// </summary>
    public bool MissingCode { get; init; }


    /// <summary>The scale and zero point of element <paramref name="i"/>.</summary>
    public double ScaleOf(int i) => FeatureScales != null ? FeatureScales[i % FeatureScales.Length] : Scale;
    public int ZeroPointOf(int i) => FeatureZeroPoints != null ? FeatureZeroPoints[i % FeatureZeroPoints.Length] : ZeroPoint;
    public int Length => Slice.Length;

    /// <summary>A float tensor (float32, double or float16 at the edge) that lives quantized in the int8 arena.</summary>
    public bool IsQuantized => HalfPrecision.IsFloat(Type) && Slice.Type == ElementType.Int8;

    /// <summary>
    /// The type the plan computes this tensor in, and the plan interpreter, calibration and reports take and give it in:
    /// float32 for a double or float16 tensor (only generated Predict methods convert those), else <see cref="Type"/>.
    /// </summary>
    public ElementType ComputeType => NarrowTypes.ComputeType(Type);
}
