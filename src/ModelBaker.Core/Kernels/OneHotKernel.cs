using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;
using TElement = System.Int64;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// ONNX OneHot: int64 indices seen as [outer, inner], the output as [outer, depth, inner]; output[o, d, n] is the
/// on value (values[1]) where the index at [o, n] is d (a negative index counts from the end), else the off value
/// (values[0]) — an index outside [−depth, depth) gives a row of off values. Any value type; in int8 plans float
/// values are quantized over their own range (off and on are the output's only values).
/// </summary>
public sealed class OneHotKernel : FloatKernel
{
    public OneHotKernel(string source, int outer, int depth, int inner, ArenaSlice indices, TypedOperand values, ArenaSlice output) : base(source)
    {
        if (indices.Type != ElementType.Int64) throw new ArgumentException("OneHot steps take int64 indices.", nameof(indices));
        if (values.Type != output.Type) throw new ArgumentException("Values and output have one element type.", nameof(output));
        Outer = outer;
        Depth = depth;
        Inner = inner;
        Indices = indices;
        Values = values;
        Output = output;
    }

    public int Outer { get; }
    public int Depth { get; }
    public int Inner { get; }
    public ArenaSlice Indices { get; }
    /// <summary>[off, on].</summary>
    public TypedOperand Values { get; }
    public override ArenaSlice Output { get; }

    public override Kernel Quantize(QuantizationContext q)
    {
        if (Output.Type != ElementType.Float32) return this;
        if (Values.Slice != null)
        {
            q.Fix(Output, q.Parameters(Values.Slice));
            return new OneHotKernel(Source, Outer, Depth, Inner, Indices, new TypedOperand(q.Slice(Values.Slice), null, Values.Strides), q.Slice(Output));
        }
        var values = (float[])Values.Constant!;
        var p = q.Fix(Output, QuantizationParameters.FromRange(Math.Min(0, values.Min()), Math.Max(0, values.Max())));
        return new OneHotKernel(Source, Outer, Depth, Inner, Indices,
            new TypedOperand(null, values.Select(v => FixedPoint.Quantize(v, p.Scale, p.ZeroPoint)).ToArray(), Values.Strides), q.Slice(Output));
    }

    public override KernelKind Kind => KernelKind.OneHot;
    public override IEnumerable<ArenaSlice> Reads => new[] { Indices, Values.Slice }.Where(s => s != null)!;
    public override int WeightBytes => Values.ConstantBytes;
    public override IEnumerable<string> Helpers => new[] { nameof(OneHotKernel), nameof(OneHotKernel) + "#Index" };

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

    private void Run<T>(PlanArena arena) =>
        OneHot(arena.Of<long>(Indices), Outer, Depth, Inner, Values.Data<T>(arena), arena.Of<T>(Output));

    // <emit>
    /// <summary>
    /// output[o, d, n] = index[o, n] (negative: + depth) == d ? values[1] : values[0], the indices as [outer, inner] and
    /// the output as [outer, depth, inner].
    /// </summary>
    public static void OneHot<T>(ReadOnlySpan<long> indices, int outer, int depth, int inner, ReadOnlySpan<T> values, Span<T> output)
    {
        T off = values[0], on = values[1];
        for (int o = 0; o < outer; o++)
        for (int n = 0; n < inner; n++)
        {
            long index = HotIndex(indices[o * inner + n], depth);
            for (int d = 0; d < depth; d++) output[(o * depth + d) * inner + n] = index == d ? on : off;
        }
    }
    // </emit>

    // <emit Index>
    /// <summary>
    /// The depth position an index marks: a negative one counts from the end (any result outside [0, depth) marks none).
    /// Shared by the .NET and nanoFramework flavours.
    /// </summary>
    public static long HotIndex(long index, int depth) => index < 0 ? index + depth : index;
    // </emit>

    // <emit Nano>
    // nanoFramework flavour (arrays, offsets, no generics): a per-type template (Codegen/NanoTypeTemplate), one method per value type.

    /// <summary>OneHot with TypeName values, on arrays.</summary>
    public static void OneHotTypeName(long[] indices, int indicesOffset, int outer, int depth, int inner, TElement[] values, int valuesOffset,
        TElement[] output, int outputOffset)
    {
        TElement off = values[valuesOffset], on = values[valuesOffset + 1];
        for (int o = 0; o < outer; o++)
        for (int n = 0; n < inner; n++)
        {
            long index = HotIndex(indices[indicesOffset + o * inner + n], depth);
            for (int d = 0; d < depth; d++) output[outputOffset + (o * depth + d) * inner + n] = index == d ? on : off;
        }
    }
    // </emit>

    /// <summary>Integer and bool values; float ones have no nanoFramework flavour (the target is integer-only).</summary>
    public override IEnumerable<string>? NanoHelpers => Output.Type != ElementType.Float32
        ? new[] { NanoTypeTemplate.Helper(nameof(OneHotKernel) + "#Nano", Arenas.MethodSuffix(Output.Type)), nameof(OneHotKernel) + "#Index" }
        : null;

    public override void EmitNanoCall(CodeWriter code, string name) =>
        code.Line($"OneHot{Arenas.MethodSuffix(Output.Type)}({Indices.NanoArguments(code)}, outer: {Outer}, depth: {Depth}, inner: {Inner}, " +
                  $"{Values.NanoArguments(code, name + "Values")}, {Output.NanoArguments(code)});");

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Int(Outer); w.Int(Depth); w.Int(Inner); w.Slice(Indices); Values.Write(w); w.Slice(Output);
    }

    public static OneHotKernel Read(PlanBinaryReader r, string source) =>
        new(source, r.Int(), r.Int(), r.Int(), r.Slice(), TypedOperand.Read(r), r.Slice());

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"OneHot<{Arenas.CSharpType(Output.Type)}>({Indices.Expression(code)}, outer: {Outer}, depth: {Depth}, inner: {Inner}, {Values.Expression(code, name + "Values")}, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name)
    {
        if (Values.Constant != null) TypedArrays.Emit(code, $"{name}Values", Values.Constant, "off and on values");
    }
}
