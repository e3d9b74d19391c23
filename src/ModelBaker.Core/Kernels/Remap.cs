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
/// The data-movement step behind Transpose, Slice, Gather (constant indices), Pad (all modes) and MatMul's batch
/// extraction: every output element is one input element, or a padding value. For each output axis d a table maps
/// the coordinate c to the input offset it contributes (input coordinate × input stride), or to −1 for "padding";
/// an output element reads input[Σd table_d[c_d]]. The tables cost Σ output dims ints, and edge, reflect and wrap
/// padding, negative steps and gathered indices are all decided at bake time in them.
/// Works on every element type; in int8 plans the output keeps the input's quantization parameters, so the step
/// stays a pure copy and the padding value is quantized with them.
/// </summary>
public sealed class Remap : FloatKernel
{
    public Remap(string source, ArenaSlice input, ArenaSlice output, int[] shape, int[] offsets, Array padding) : base(source)
    {
        if (shape.Length == 0) throw new ArgumentException("Remap needs rank ≥ 1; view a scalar as [1].", nameof(shape));
        if (offsets.Length != shape.Sum()) throw new ArgumentException("One offset per output coordinate of every axis.", nameof(offsets));
        if (padding.Length != 1 || TypedArrays.TypeOf(padding) != output.Type || input.Type != output.Type)
            throw new ArgumentException("Input, output and padding must have one element type.", nameof(padding));
        Input = input;
        Output = output;
        Shape = shape;
        Offsets = offsets;
        Padding = padding;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    /// <summary>The output shape the tables index (row-major; its length is the output's).</summary>
    public int[] Shape { get; }
    /// <summary>The per-axis tables, concatenated in axis order: input offset of each output coordinate, −1 for padding.</summary>
    public int[] Offsets { get; }
    /// <summary>The padding value: an array of one element of the tensors' type.</summary>
    public Array Padding { get; }

    /// <summary>Builds the tables from a per-axis input coordinate map (−1 = padding) and the input shape.</summary>
    public static int[] Tables(int[][] inputCoordinates, int[] inputStrides) =>
        inputCoordinates.SelectMany((map, d) => map.Select(c => c < 0 ? -1 : c * inputStrides[d])).ToArray();

    /// <summary>
    /// Float tensors become int8 with the input's parameters on the output (a copy changes no value); the padding value
    /// is quantized with them. Integer tensors are not quantized: the step stays as it is.
    /// </summary>
    public override Kernel Quantize(QuantizationContext q)
    {
        if (Input.Type != ElementType.Float32) return this;
        var p = q.Fix(Output, q.Parameters(Input));
        var padding = new[] { FixedPoint.Quantize(((float[])Padding)[0], p.Scale, p.ZeroPoint) };
        return new Remap(Source, q.Slice(Input), q.Slice(Output), Shape, Offsets, padding);
    }

    public override KernelKind Kind => KernelKind.Remap;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 4 * (Shape.Length + Offsets.Length);
    public override IEnumerable<string> Helpers => new[] { nameof(Remap) };

    public override void Run(PlanArena arena)
    {
        switch (TypedArrays.TypeOf(Padding)) // by exact type: the runtime lets a byte[] pass for an sbyte[], an int[] for a uint[] …
        {
            case ElementType.Float32: RemapElements<float>(arena.Of<float>(Input), Shape, Offsets, ((float[])Padding)[0], arena.Of<float>(Output)); break;
            case ElementType.UInt8: RemapElements<byte>(arena.Of<byte>(Input), Shape, Offsets, ((byte[])Padding)[0], arena.Of<byte>(Output)); break;
            case ElementType.Int8: RemapElements<sbyte>(arena.Of<sbyte>(Input), Shape, Offsets, ((sbyte[])Padding)[0], arena.Of<sbyte>(Output)); break;
            case ElementType.Int16: RemapElements<short>(arena.Of<short>(Input), Shape, Offsets, ((short[])Padding)[0], arena.Of<short>(Output)); break;
            case ElementType.UInt16: RemapElements<ushort>(arena.Of<ushort>(Input), Shape, Offsets, ((ushort[])Padding)[0], arena.Of<ushort>(Output)); break;
            case ElementType.Int32: RemapElements<int>(arena.Of<int>(Input), Shape, Offsets, ((int[])Padding)[0], arena.Of<int>(Output)); break;
            case ElementType.UInt32: RemapElements<uint>(arena.Of<uint>(Input), Shape, Offsets, ((uint[])Padding)[0], arena.Of<uint>(Output)); break;
            case ElementType.Int64: RemapElements<long>(arena.Of<long>(Input), Shape, Offsets, ((long[])Padding)[0], arena.Of<long>(Output)); break;
            case ElementType.UInt64: RemapElements<ulong>(arena.Of<ulong>(Input), Shape, Offsets, ((ulong[])Padding)[0], arena.Of<ulong>(Output)); break;
            case ElementType.Bool: RemapElements<bool>(arena.Of<bool>(Input), Shape, Offsets, ((bool[])Padding)[0], arena.Of<bool>(Output)); break;
        }
    }

    // <emit>
    /// <summary>
    /// output[i] = input[Σd offsets_d[c_d]] for the coordinates c of i in <paramref name="shape"/>, or
    /// <paramref name="padding"/> where some table says −1. <paramref name="offsets"/> holds the tables of all axes in
    /// order (Σ shape entries); the last axis runs in the inner loop.
    /// </summary>
    public static void RemapElements<T>(ReadOnlySpan<T> input, ReadOnlySpan<int> shape, ReadOnlySpan<int> offsets, T padding, Span<T> output)
    {
        int rank = shape.Length, inner = shape[rank - 1], innerStart = offsets.Length - inner;
        if (output.Length == 0) return;
        for (int row = 0, position = 0; position < output.Length; row++)
        {
            int source = 0, rest = row, start = innerStart;
            bool padded = false;
            for (int d = rank - 2; d >= 0; d--)
            {
                start -= shape[d];
                int offset = offsets[start + rest % shape[d]];
                rest /= shape[d];
                if (offset < 0) padded = true;
                else source += offset;
            }
            for (int j = 0; j < inner; j++, position++)
            {
                int offset = offsets[innerStart + j];
                output[position] = padded || offset < 0 ? padding : input[source + offset];
            }
        }
    }
    // </emit>

    // <emit Nano>
    /// <summary>RemapElements on TypeName arrays (nanoFramework has no generics: a per-type template, Codegen/NanoTypeTemplate).</summary>
    public static void RemapElements(TElement[] input, int inputOffset, int[] shape, int[] offsets, TElement padding, TElement[] output, int outputOffset, int outputLength)
    {
        int rank = shape.Length, inner = shape[rank - 1], innerStart = offsets.Length - inner;
        if (outputLength == 0) return;
        for (int row = 0, position = 0; position < outputLength; row++)
        {
            int source = inputOffset, rest = row, start = innerStart;
            bool padded = false;
            for (int d = rank - 2; d >= 0; d--)
            {
                start -= shape[d];
                int offset = offsets[start + rest % shape[d]];
                rest /= shape[d];
                if (offset < 0) padded = true;
                else source += offset;
            }
            for (int j = 0; j < inner; j++, position++)
            {
                int offset = offsets[innerStart + j];
                output[outputOffset + position] = padded || offset < 0 ? padding : input[source + offset];
            }
        }
    }
    // </emit>

    /// <summary>Integer and bool tensors (int8 plans move int8 data); float ones have no nanoFramework flavour.</summary>
    public override IEnumerable<string>? NanoHelpers => Output.Type != ElementType.Float32
        ? new[] { NanoTypeTemplate.Helper(nameof(Remap) + "#Nano", Arenas.MethodSuffix(Output.Type)) }
        : null;

    public override void EmitNanoCall(CodeWriter code, string name) =>
        code.Line($"RemapElements({Input.NanoArguments(code)}, {name}Shape, {name}Offsets, padding: {TypedArrays.Literal(Padding, 0)}, {Output.NanoArguments(code)}, outputLength: {Output.Length});");

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output); w.Ints(Shape); w.Ints(Offsets);
        TypedArrays.Write(w, Padding);
    }

    public static Remap Read(PlanBinaryReader r, string source) =>
        new(source, r.Slice(), r.Slice(), r.Ints(), r.Ints(), TypedArrays.Read(r));

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"RemapElements<{Arenas.CSharpType(Output.Type)}>({Input.Expression(code)}, {name}Shape, {name}Offsets, padding: {TypedArrays.Literal(Padding, 0)}, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name)
    {
        EmitArrays.Ints(code, $"{name}Shape", Shape, "output shape");
        EmitArrays.Ints(code, $"{name}Offsets", Offsets, "per output axis, the input offset of each coordinate (-1: padding)");
    }
}
