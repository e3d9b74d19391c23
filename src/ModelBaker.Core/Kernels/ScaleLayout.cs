using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// Which scale and zero point of an ONNX QuantizeLinear / DequantizeLinear belong to each element: one for the whole
/// tensor, one per index along an axis, or one per block of <see cref="BlockSize"/> indices along the axis (opset 21).
/// The tensor is viewed as [outer, <see cref="AxisLength"/>, <see cref="Inner"/>]; element (o, a, i) uses parameter
/// o · OuterStride + (a / BlockSize) · AxisStride + i · InnerStride. Per tensor: all strides 0. Per axis: AxisStride 1.
/// Blocked: the parameters have the tensor's shape with the axis divided (rounded up) by the block size.
/// </summary>
public sealed record ScaleLayout(int AxisLength, int Inner, int BlockSize, int OuterStride, int AxisStride, int InnerStride)
{
    public static ScaleLayout PerTensor { get; } = new(1, 1, 1, 0, 0, 0);

    public static ScaleLayout PerAxis(int axisLength, int inner) => new(axisLength, inner, 1, 0, 1, 0);

    /// <summary>The parameter index of element <paramref name="element"/> (row-major).</summary>
    public int Index(int element) => ParameterIndex(element, AxisLength, Inner, BlockSize, OuterStride, AxisStride, InnerStride);

    // <emit>
    /// <summary>
    /// The scale and zero point index of element <paramref name="element"/> of a tensor viewed as [outer, axisLength,
    /// inner]: o · outerStride + (a / blockSize) · axisStride + i · innerStride.
    /// </summary>
    public static int ParameterIndex(int element, int axisLength, int inner, int blockSize, int outerStride, int axisStride, int innerStride)
    {
        int i = element % inner, rest = element / inner;
        return rest / axisLength * outerStride + rest % axisLength / blockSize * axisStride + i * innerStride;
    }
    // </emit>

    public void Write(PlanBinaryWriter w)
    {
        foreach (int v in new[] { AxisLength, Inner, BlockSize, OuterStride, AxisStride, InnerStride }) w.Int(v);
    }

    public static ScaleLayout Read(PlanBinaryReader r) => new(r.Int(), r.Int(), r.Int(), r.Int(), r.Int(), r.Int());

    /// <summary>The layout as named arguments of an emitted call.</summary>
    public string Arguments() =>
        $"axisLength: {AxisLength}, inner: {Inner}, blockSize: {BlockSize}, outerStride: {OuterStride}, axisStride: {AxisStride}, innerStride: {InnerStride}";
}
