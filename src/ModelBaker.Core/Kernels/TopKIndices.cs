using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;
using TElement = System.Int64;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// The indices (int64) of the k largest — or smallest — elements of each group of <c>size</c> elements <c>inner</c>
/// apart, the input seen as [outer, size, inner] and the output as [outer, k, inner], best first; equal values keep
/// the lower index first, as ONNX Runtime does. TopK's values are then gathered by these indices
/// (<see cref="GatherIndexed"/>). Float, int8, uint8, int16, uint16, int32, uint32, int64 and uint64 inputs (unsigned ones in unsigned
/// order: a uint64 of 2^63 ranks above 2^63 − 1); in int8 plans the int8 values (quantization keeps the order, so only
/// values that quantize equal can tie where floats did not).
/// </summary>
public sealed class TopKIndices : FloatKernel
{
    public TopKIndices(string source, int outer, int size, int inner, int k, bool largest, ArenaSlice input, ArenaSlice output) : base(source)
    {
        if (input.Type is not (ElementType.Float32 or ElementType.Int8 or ElementType.UInt8 or ElementType.Int32 or ElementType.Int64
            or ElementType.Int16 or ElementType.UInt16 or ElementType.UInt32 or ElementType.UInt64))
            throw new ArgumentException("TopK steps take float32, int8, uint8, int16, uint16, int32, uint32, int64 or uint64.", nameof(input));
        Outer = outer;
        Size = size;
        Inner = inner;
        K = k;
        Largest = largest;
        Input = input;
        Output = output;
    }

    public int Outer { get; }
    public int Size { get; }
    public int Inner { get; }
    public int K { get; }
    public bool Largest { get; }
    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }

    public override Kernel Quantize(QuantizationContext q) =>
        Input.Type == ElementType.Float32 ? new TopKIndices(Source, Outer, Size, Inner, K, Largest, q.Slice(Input), Output) : this;

    public override KernelKind Kind => KernelKind.TopKIndices;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 0;
    public override IEnumerable<string> Helpers => new[] { nameof(TopKIndices) };

    public override void Run(PlanArena arena)
    {
        var output = arena.Of<long>(Output);
        switch (Input.Type)
        {
            case ElementType.Float32: TopK<float>(arena.Of<float>(Input), Outer, Size, Inner, K, Largest, output); break;
            case ElementType.Int8: TopK<sbyte>(arena.Of<sbyte>(Input), Outer, Size, Inner, K, Largest, output); break;
            case ElementType.UInt8: TopK<byte>(arena.Of<byte>(Input), Outer, Size, Inner, K, Largest, output); break;
            case ElementType.Int32: TopK<int>(arena.Of<int>(Input), Outer, Size, Inner, K, Largest, output); break;
            case ElementType.Int16: TopK<short>(arena.Of<short>(Input), Outer, Size, Inner, K, Largest, output); break;
            case ElementType.UInt16: TopK<ushort>(arena.Of<ushort>(Input), Outer, Size, Inner, K, Largest, output); break;
            case ElementType.UInt32: TopK<uint>(arena.Of<uint>(Input), Outer, Size, Inner, K, Largest, output); break;
            case ElementType.UInt64: TopK<ulong>(arena.Of<ulong>(Input), Outer, Size, Inner, K, Largest, output); break;
            default: TopK<long>(arena.Of<long>(Input), Outer, Size, Inner, K, Largest, output); break;
        }
    }

    // <emit>
    /// <summary>
    /// Indices of the k best elements of each group, best first: each element is inserted into the sorted list kept in
    /// the output, after the ones at least as good (so ties keep the lower index first). No scratch memory.
    /// </summary>
    public static void TopK<T>(ReadOnlySpan<T> input, int outer, int size, int inner, int k, bool largest, Span<long> output)
        where T : IComparable<T>
    {
        for (int o = 0; o < outer; o++)
        for (int n = 0; n < inner; n++)
        {
            int start = o * size * inner + n, first = o * k * inner + n, count = 0;
            for (int j = 0; j < size; j++)
            {
                T x = input[start + j * inner];
                int p = count;
                while (p > 0)
                {
                    int order = x.CompareTo(input[start + (int)output[first + (p - 1) * inner] * inner]);
                    if (largest ? order <= 0 : order >= 0) break;
                    p--;
                }
                if (p >= k) continue;
                if (count < k) count++;
                for (int q = count - 1; q > p; q--) output[first + q * inner] = output[first + (q - 1) * inner];
                output[first + p * inner] = j;
            }
        }
    }
    // </emit>

    // <emit Nano>
    /// <summary>
    /// TopK of TypeName values on arrays (nanoFramework has no generics: a per-type template, Codegen/NanoTypeTemplate;
    /// unsigned types compare unsigned). Insertion as in the .NET flavour: after the ones at least as good (ties keep the
    /// lower index first). No scratch memory.
    /// </summary>
    public static void TopKTypeName(TElement[] input, int inputOffset, int outer, int size, int inner, int k, bool largest,
        long[] output, int outputOffset)
    {
        for (int o = 0; o < outer; o++)
        for (int n = 0; n < inner; n++)
        {
            int start = inputOffset + o * size * inner + n, first = outputOffset + o * k * inner + n, count = 0;
            for (int j = 0; j < size; j++)
            {
                TElement x = input[start + j * inner];
                int p = count;
                while (p > 0)
                {
                    TElement y = input[start + (int)output[first + (p - 1) * inner] * inner];
                    if (largest ? x <= y : x >= y) break;
                    p--;
                }
                if (p >= k) continue;
                if (count < k) count++;
                for (int q = count - 1; q > p; q--) output[first + q * inner] = output[first + (q - 1) * inner];
                output[first + p * inner] = j;
            }
        }
    }
    // </emit>

    /// <summary>Integer inputs; a float one has no nanoFramework flavour (the target is integer-only).</summary>
    public override IEnumerable<string>? NanoHelpers => Input.Type != ElementType.Float32
        ? new[] { NanoTypeTemplate.Helper(nameof(TopKIndices) + "#Nano", Arenas.MethodSuffix(Input.Type)) }
        : null;

    public override void EmitNanoCall(CodeWriter code, string name) =>
        code.Line($"TopK{Arenas.MethodSuffix(Input.Type)}({Input.NanoArguments(code)}, outer: {Outer}, size: {Size}, inner: {Inner}, k: {K}, " +
                  $"largest: {(Largest ? "true" : "false")}, {Output.NanoArguments(code)});");

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Int(Outer); w.Int(Size); w.Int(Inner); w.Int(K); w.Byte(Largest ? (byte)1 : (byte)0); w.Slice(Input); w.Slice(Output);
    }

    public static TopKIndices Read(PlanBinaryReader r, string source) =>
        new(source, r.Int(), r.Int(), r.Int(), r.Int(), r.Byte() == 1, r.Slice(), r.Slice());

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"TopK<{Arenas.CSharpType(Input.Type)}>({Input.Expression(code)}, outer: {Outer}, size: {Size}, inner: {Inner}, k: {K}, largest: {(Largest ? "true" : "false")}, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name) { }
}
