using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// Gathering by indices known only at run time (Gather with computed indices, GatherElements, TopK's values): output
/// element i, at coordinates c of the iteration shape, is data[Σ c_d · dataStrides_d + index · axisStride], where index
/// = indices[Σ c_d · indexStrides_d] (negative counts from the end of the axis). Gather reads one index per position
/// along its axis, GatherElements one per output element: only the strides differ. An index outside the axis gives 0
/// (ONNX Runtime fails the call; generated code must not throw). Any element type; int8 plans move int8 data, the
/// output keeping the data's quantization.
/// </summary>
public sealed class GatherIndexed : FloatKernel
{
    public GatherIndexed(string source, int[] shape, TypedOperand data, int axisSize, int axisStride, TypedOperand indices, ArenaSlice output)
        : base(source)
    {
        if (data.Type != output.Type) throw new ArgumentException("Data and output have one element type.", nameof(output));
        if (indices.Type is not (ElementType.Int32 or ElementType.Int64)) throw new ArgumentException("Indices are int32 or int64.", nameof(indices));
        Shape = shape;
        Data = data;
        AxisSize = axisSize;
        AxisStride = axisStride;
        Indices = indices;
        Output = output;
    }

    /// <summary>The iteration shape (row-major, the output's elements in order).</summary>
    public int[] Shape { get; }
    /// <summary>The data, with its strides over the iteration shape (0 along the gathered axis).</summary>
    public TypedOperand Data { get; }
    public int AxisSize { get; }
    /// <summary>The data's stride along the gathered axis.</summary>
    public int AxisStride { get; }
    /// <summary>The indices, with their strides over the iteration shape.</summary>
    public TypedOperand Indices { get; }
    public override ArenaSlice Output { get; }

    public override Kernel Quantize(QuantizationContext q)
    {
        if (Output.Type != ElementType.Float32) return this;
        if (Data.Slice != null)
        {
            q.Fix(Output, q.Parameters(Data.Slice));
            return new GatherIndexed(Source, Shape, new TypedOperand(q.Slice(Data.Slice), null, Data.Strides), AxisSize, AxisStride, Indices, q.Slice(Output));
        }
        var values = (float[])Data.Constant!;
        var p = q.Fix(Output, QuantizationParameters.FromRange(Math.Min(0, values.DefaultIfEmpty().Min()), Math.Max(0, values.DefaultIfEmpty().Max())));
        var quantized = values.Select(v => FixedPoint.Quantize(v, p.Scale, p.ZeroPoint)).ToArray();
        return new GatherIndexed(Source, Shape, new TypedOperand(null, quantized, Data.Strides), AxisSize, AxisStride, Indices, q.Slice(Output));
    }

    public override KernelKind Kind => KernelKind.GatherIndexed;
    public override IEnumerable<ArenaSlice> Reads => new[] { Data.Slice, Indices.Slice }.Where(s => s != null)!;
    public override int WeightBytes => Data.ConstantBytes + Indices.ConstantBytes + 4 * 3 * Shape.Length;
    public override IEnumerable<string> Helpers => new[] { nameof(GatherIndexed), nameof(GatherIndexed) + "#Position", nameof(BinaryInteger) };

    public override void Run(PlanArena arena)
    {
        switch (Output.Type)
        {
            case ElementType.Float32: Run<float>(arena); break;
            case ElementType.Int8: Run<sbyte>(arena); break;
            case ElementType.UInt8: Run<byte>(arena); break;
            case ElementType.Int32: Run<int>(arena); break;
            case ElementType.Int64: Run<long>(arena); break;
            case ElementType.Int16: Run<short>(arena); break;
            case ElementType.UInt16: Run<ushort>(arena); break;
            case ElementType.UInt32: Run<uint>(arena); break;
            case ElementType.UInt64: Run<ulong>(arena); break;
            default: Run<bool>(arena); break;
        }
    }

    private void Run<T>(PlanArena arena)
    {
        if (Indices.Type == ElementType.Int64)
            GatherAt(Data.Data<T>(arena), Data.Strides, AxisSize, AxisStride, Indices.Data<long>(arena), Indices.Strides, Shape, arena.Of<T>(Output));
        else
            GatherAt(Data.Data<T>(arena), Data.Strides, AxisSize, AxisStride, Indices.Data<int>(arena), Indices.Strides, Shape, arena.Of<T>(Output));
    }

    // <emit>
    /// <summary>
    /// output[i] = data[Σ c_d · dataStrides_d + index · axisStride] with index = indices[Σ c_d · indexStrides_d], c the
    /// coordinates of i in <paramref name="shape"/>; a negative index counts from the end, one outside the axis gives 0.
    /// </summary>
    public static void GatherAt<T>(ReadOnlySpan<T> data, ReadOnlySpan<int> dataStrides, int axisSize, int axisStride, ReadOnlySpan<long> indices,
        ReadOnlySpan<int> indexStrides, ReadOnlySpan<int> shape, Span<T> output)
    {
        for (int i = 0; i < output.Length; i++)
        {
            int at = GatherPosition(indices[BroadcastIndex(i, shape, indexStrides)], axisSize, axisStride, BroadcastIndex(i, shape, dataStrides));
            output[i] = at >= 0 ? data[at] : default(T)!;
        }
    }

    /// <summary>GatherAt with int32 indices.</summary>
    public static void GatherAt<T>(ReadOnlySpan<T> data, ReadOnlySpan<int> dataStrides, int axisSize, int axisStride, ReadOnlySpan<int> indices,
        ReadOnlySpan<int> indexStrides, ReadOnlySpan<int> shape, Span<T> output)
    {
        for (int i = 0; i < output.Length; i++)
        {
            int at = GatherPosition(indices[BroadcastIndex(i, shape, indexStrides)], axisSize, axisStride, BroadcastIndex(i, shape, dataStrides));
            output[i] = at >= 0 ? data[at] : default(T)!;
        }
    }
    // </emit>

    // <emit Position>
    /// <summary>
    /// Where a gathered element is read: <paramref name="dataIndex"/> (the element's place with the gathered axis at 0)
    /// plus the index along the axis (a negative one counts from the end), or −1 when the index is outside the axis.
    /// Shared by the .NET and nanoFramework flavours.
    /// </summary>
    public static int GatherPosition(long index, int axisSize, int axisStride, int dataIndex)
    {
        if (index < 0) index += axisSize;
        return index >= 0 && index < axisSize ? dataIndex + (int)index * axisStride : -1;
    }
    // </emit>

    // <emit Nano>
    // nanoFramework flavour (arrays, offsets, no generics): a method per data type; the indices are int32Indices or int64Indices.

    /// <summary>GatherAt of int8 data, on arrays.</summary>
    public static void GatherInt8(sbyte[] data, int dataOffset, int[] dataStrides, int axisSize, int axisStride, int[] int32Indices, long[] int64Indices,
        int indicesOffset, int[] indexStrides, int[] shape, sbyte[] output, int outputOffset, int outputLength)
    {
        for (int i = 0; i < outputLength; i++)
        {
            int k = indicesOffset + BroadcastIndex(i, shape, indexStrides);
            long index = int64Indices != null ? int64Indices[k] : int32Indices[k];
            int at = GatherPosition(index, axisSize, axisStride, dataOffset + BroadcastIndex(i, shape, dataStrides));
            output[outputOffset + i] = at >= 0 ? data[at] : (sbyte)0;
        }
    }

    /// <summary>GatherAt of uint8 data, on arrays.</summary>
    public static void GatherUInt8(byte[] data, int dataOffset, int[] dataStrides, int axisSize, int axisStride, int[] int32Indices, long[] int64Indices,
        int indicesOffset, int[] indexStrides, int[] shape, byte[] output, int outputOffset, int outputLength)
    {
        for (int i = 0; i < outputLength; i++)
        {
            int k = indicesOffset + BroadcastIndex(i, shape, indexStrides);
            long index = int64Indices != null ? int64Indices[k] : int32Indices[k];
            int at = GatherPosition(index, axisSize, axisStride, dataOffset + BroadcastIndex(i, shape, dataStrides));
            output[outputOffset + i] = at >= 0 ? data[at] : (byte)0;
        }
    }

    /// <summary>GatherAt of int32 data, on arrays.</summary>
    public static void GatherInt32(int[] data, int dataOffset, int[] dataStrides, int axisSize, int axisStride, int[] int32Indices, long[] int64Indices,
        int indicesOffset, int[] indexStrides, int[] shape, int[] output, int outputOffset, int outputLength)
    {
        for (int i = 0; i < outputLength; i++)
        {
            int k = indicesOffset + BroadcastIndex(i, shape, indexStrides);
            long index = int64Indices != null ? int64Indices[k] : int32Indices[k];
            int at = GatherPosition(index, axisSize, axisStride, dataOffset + BroadcastIndex(i, shape, dataStrides));
            output[outputOffset + i] = at >= 0 ? data[at] : 0;
        }
    }

    /// <summary>GatherAt of int64 data, on arrays.</summary>
    public static void GatherInt64(long[] data, int dataOffset, int[] dataStrides, int axisSize, int axisStride, int[] int32Indices, long[] int64Indices,
        int indicesOffset, int[] indexStrides, int[] shape, long[] output, int outputOffset, int outputLength)
    {
        for (int i = 0; i < outputLength; i++)
        {
            int k = indicesOffset + BroadcastIndex(i, shape, indexStrides);
            long index = int64Indices != null ? int64Indices[k] : int32Indices[k];
            int at = GatherPosition(index, axisSize, axisStride, dataOffset + BroadcastIndex(i, shape, dataStrides));
            output[outputOffset + i] = at >= 0 ? data[at] : 0;
        }
    }

    /// <summary>GatherAt of int16 data, on arrays.</summary>
    public static void GatherInt16(short[] data, int dataOffset, int[] dataStrides, int axisSize, int axisStride, int[] int32Indices, long[] int64Indices,
        int indicesOffset, int[] indexStrides, int[] shape, short[] output, int outputOffset, int outputLength)
    {
        for (int i = 0; i < outputLength; i++)
        {
            int k = indicesOffset + BroadcastIndex(i, shape, indexStrides);
            long index = int64Indices != null ? int64Indices[k] : int32Indices[k];
            int at = GatherPosition(index, axisSize, axisStride, dataOffset + BroadcastIndex(i, shape, dataStrides));
            output[outputOffset + i] = at >= 0 ? data[at] : (short)0;
        }
    }

    /// <summary>GatherAt of uint16 data, on arrays.</summary>
    public static void GatherUInt16(ushort[] data, int dataOffset, int[] dataStrides, int axisSize, int axisStride, int[] int32Indices, long[] int64Indices,
        int indicesOffset, int[] indexStrides, int[] shape, ushort[] output, int outputOffset, int outputLength)
    {
        for (int i = 0; i < outputLength; i++)
        {
            int k = indicesOffset + BroadcastIndex(i, shape, indexStrides);
            long index = int64Indices != null ? int64Indices[k] : int32Indices[k];
            int at = GatherPosition(index, axisSize, axisStride, dataOffset + BroadcastIndex(i, shape, dataStrides));
            output[outputOffset + i] = at >= 0 ? data[at] : (ushort)0;
        }
    }

    /// <summary>GatherAt of uint32 data, on arrays.</summary>
    public static void GatherUInt32(uint[] data, int dataOffset, int[] dataStrides, int axisSize, int axisStride, int[] int32Indices, long[] int64Indices,
        int indicesOffset, int[] indexStrides, int[] shape, uint[] output, int outputOffset, int outputLength)
    {
        for (int i = 0; i < outputLength; i++)
        {
            int k = indicesOffset + BroadcastIndex(i, shape, indexStrides);
            long index = int64Indices != null ? int64Indices[k] : int32Indices[k];
            int at = GatherPosition(index, axisSize, axisStride, dataOffset + BroadcastIndex(i, shape, dataStrides));
            output[outputOffset + i] = at >= 0 ? data[at] : 0;
        }
    }

    /// <summary>GatherAt of uint64 data, on arrays.</summary>
    public static void GatherUInt64(ulong[] data, int dataOffset, int[] dataStrides, int axisSize, int axisStride, int[] int32Indices, long[] int64Indices,
        int indicesOffset, int[] indexStrides, int[] shape, ulong[] output, int outputOffset, int outputLength)
    {
        for (int i = 0; i < outputLength; i++)
        {
            int k = indicesOffset + BroadcastIndex(i, shape, indexStrides);
            long index = int64Indices != null ? int64Indices[k] : int32Indices[k];
            int at = GatherPosition(index, axisSize, axisStride, dataOffset + BroadcastIndex(i, shape, dataStrides));
            output[outputOffset + i] = at >= 0 ? data[at] : 0;
        }
    }

    /// <summary>GatherAt of bool data, on arrays.</summary>
    public static void GatherBool(bool[] data, int dataOffset, int[] dataStrides, int axisSize, int axisStride, int[] int32Indices, long[] int64Indices,
        int indicesOffset, int[] indexStrides, int[] shape, bool[] output, int outputOffset, int outputLength)
    {
        for (int i = 0; i < outputLength; i++)
        {
            int k = indicesOffset + BroadcastIndex(i, shape, indexStrides);
            long index = int64Indices != null ? int64Indices[k] : int32Indices[k];
            int at = GatherPosition(index, axisSize, axisStride, dataOffset + BroadcastIndex(i, shape, dataStrides));
            output[outputOffset + i] = at >= 0 ? data[at] : false;
        }
    }
    // </emit>

    /// <summary>Integer and bool data; float data has no nanoFramework flavour (the target is integer-only).</summary>
    public override IEnumerable<string>? NanoHelpers => Output.Type != ElementType.Float32
        ? new[] { nameof(GatherIndexed) + "#Nano", nameof(GatherIndexed) + "#Position", nameof(BinaryInteger) + "#NanoBroadcast" }
        : null;

    public override void EmitNanoCall(CodeWriter code, string name)
    {
        string indices = Indices.NanoArray(name + "Indices");
        code.Line($"Gather{Arenas.MethodSuffix(Output.Type)}({Data.NanoArguments(code, name + "Data")}, {name}DataStrides, axisSize: {AxisSize}, axisStride: {AxisStride}, " +
                  $"{(Indices.Type == ElementType.Int32 ? indices + ", null" : "null, " + indices)}, {Indices.NanoOffset(code)}, {name}IndicesStrides, {name}Shape, " +
                  $"{Output.NanoArguments(code)}, outputLength: {Output.Length});");
    }

    private static int BroadcastIndex(int i, ReadOnlySpan<int> shape, ReadOnlySpan<int> strides) => BinaryInteger.BroadcastIndex(i, shape, strides);

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Ints(Shape);
        Data.Write(w);
        w.Int(AxisSize);
        w.Int(AxisStride);
        Indices.Write(w);
        w.Slice(Output);
    }

    public static GatherIndexed Read(PlanBinaryReader r, string source) =>
        new(source, r.Ints(), TypedOperand.Read(r), r.Int(), r.Int(), TypedOperand.Read(r), r.Slice());

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"GatherAt<{Arenas.CSharpType(Output.Type)}>({Data.Expression(code, name + "Data")}, {name}DataStrides, axisSize: {AxisSize}, axisStride: {AxisStride}, " +
                  $"{Indices.Expression(code, name + "Indices")}, {name}IndicesStrides, {name}Shape, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name)
    {
        EmitArrays.Ints(code, $"{name}Shape", Shape, "iteration shape");
        Data.EmitData(code, $"{name}Data", "the data (0 along the gathered axis)");
        Indices.EmitData(code, $"{name}Indices", "the indices");
    }
}
