using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;
using TElement = System.Int64;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// The index (int64) of the largest (ArgMax) or smallest (ArgMin) element of each group of <c>size</c> elements
/// <c>inner</c> apart, the input seen as [outer, size, inner] (along one axis), of float or integer tensors (unsigned ones in
/// unsigned order: a uint64 of 2^63 is above 2^63 − 1). Ties
/// give the first index, or the last with selectLastIndex. Argmin is stored as its own kind with ArgMax's payload.
/// </summary>
public sealed class ArgMaxFloat : FloatKernel
{
    public ArgMaxFloat(string source, int outer, int size, int inner, bool selectLastIndex, ArenaSlice input, ArenaSlice output,
        bool smallest = false) : base(source)
    {
        if (input.Type is not (Ir.ElementType.Float32 or Ir.ElementType.Int8 or Ir.ElementType.UInt8 or Ir.ElementType.Int16 or Ir.ElementType.UInt16
            or Ir.ElementType.Int32 or Ir.ElementType.UInt32 or Ir.ElementType.Int64 or Ir.ElementType.UInt64))
            throw new System.ArgumentException("ArgMax and ArgMin steps take float32 or an integer type.", nameof(input));
        Smallest = smallest;
        Outer = outer;
        Size = size;
        Inner = inner;
        SelectLastIndex = selectLastIndex;
        Input = input;
        Output = output;
    }

    public int Outer { get; }
    public int Size { get; }
    public int Inner { get; }
    public bool SelectLastIndex { get; }
    /// <summary>ArgMin rather than ArgMax.</summary>
    public bool Smallest { get; }
    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }

    /// <summary>Integer inputs stay as they are in int8 plans.</summary>
    public override Kernel Quantize(Quantization.QuantizationContext context) =>
        Input.Type == Ir.ElementType.Float32 ? ArgMaxInt8.From(this, context) : this;

    public override KernelKind Kind => Smallest ? KernelKind.ArgMinFloat : KernelKind.ArgMaxFloat;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 0;
    public override IEnumerable<string> Helpers => new[] { nameof(ArgMaxFloat) };

    public override void Run(PlanArena arena)
    {
        var output = arena.Of<long>(Output);
        switch (Input.Type)
        {
            case Ir.ElementType.Float32: ArgMax(arena.Floats(Input), Outer, Size, Inner, Smallest, SelectLastIndex, output); break;
            case Ir.ElementType.Int8: ArgMax<sbyte>(arena.Of<sbyte>(Input), Outer, Size, Inner, Smallest, SelectLastIndex, output); break;
            case Ir.ElementType.UInt8: ArgMax<byte>(arena.Of<byte>(Input), Outer, Size, Inner, Smallest, SelectLastIndex, output); break;
            case Ir.ElementType.Int16: ArgMax<short>(arena.Of<short>(Input), Outer, Size, Inner, Smallest, SelectLastIndex, output); break;
            case Ir.ElementType.UInt16: ArgMax<ushort>(arena.Of<ushort>(Input), Outer, Size, Inner, Smallest, SelectLastIndex, output); break;
            case Ir.ElementType.Int32: ArgMax<int>(arena.Of<int>(Input), Outer, Size, Inner, Smallest, SelectLastIndex, output); break;
            case Ir.ElementType.UInt32: ArgMax<uint>(arena.Of<uint>(Input), Outer, Size, Inner, Smallest, SelectLastIndex, output); break;
            case Ir.ElementType.UInt64: ArgMax<ulong>(arena.Of<ulong>(Input), Outer, Size, Inner, Smallest, SelectLastIndex, output); break;
            default: ArgMax<long>(arena.Of<long>(Input), Outer, Size, Inner, Smallest, SelectLastIndex, output); break;
        }
    }

    // <emit>
    /// <summary>
    /// Index of the largest float of each group, or the smallest; NaN wins either way (as in ONNX Runtime and numpy).
    /// </summary>
    public static void ArgMax(System.ReadOnlySpan<float> input, int outer, int size, int inner, bool smallest, bool selectLastIndex, System.Span<long> output)
    {
        for (int o = 0; o < outer; o++)
        for (int n = 0; n < inner; n++)
        {
            int start = o * size * inner + n, best = 0;
            float extreme = input[start];
            for (int j = 1; j < size && !float.IsNaN(extreme); j++)
            {
                float x = input[start + j * inner];
                if ((smallest ? x < extreme : x > extreme) || (selectLastIndex && x == extreme) || float.IsNaN(x)) { extreme = x; best = j; }
            }
            output[o * inner + n] = best;
        }
    }

    /// <summary>Index of the largest (or smallest) integer of each group, in the type's order (unsigned ones unsigned).</summary>
    public static void ArgMax<T>(System.ReadOnlySpan<T> input, int outer, int size, int inner, bool smallest, bool selectLastIndex, System.Span<long> output)
        where T : System.IComparable<T>
    {
        for (int o = 0; o < outer; o++)
        for (int n = 0; n < inner; n++)
        {
            int start = o * size * inner + n, best = 0;
            T extreme = input[start];
            for (int j = 1; j < size; j++)
            {
                T x = input[start + j * inner];
                int order = x.CompareTo(extreme);
                if ((smallest ? order < 0 : order > 0) || (selectLastIndex && order == 0)) { extreme = x; best = j; }
            }
            output[o * inner + n] = best;
        }
    }
    // </emit>

    // <emit Nano>
    /// <summary>
    /// Index of the largest (or smallest) TypeName of each group, on arrays (nanoFramework has no generics: a per-type
    /// template, Codegen/NanoTypeTemplate; unsigned types compare unsigned).
    /// </summary>
    public static void ArgMaxTypeName(TElement[] input, int inputOffset, int outer, int size, int inner, bool smallest, bool selectLastIndex,
        long[] output, int outputOffset)
    {
        for (int o = 0; o < outer; o++)
        for (int n = 0; n < inner; n++)
        {
            int start = inputOffset + o * size * inner + n, best = 0;
            TElement extreme = input[start];
            for (int j = 1; j < size; j++)
            {
                TElement x = input[start + j * inner];
                if ((smallest ? x < extreme : x > extreme) || (selectLastIndex && x == extreme)) { extreme = x; best = j; }
            }
            output[outputOffset + o * inner + n] = best;
        }
    }
    // </emit>

    /// <summary>Integer inputs; a float one has no nanoFramework flavour here (int8 plans make it an <see cref="ArgMaxInt8"/>).</summary>
    public override IEnumerable<string>? NanoHelpers => Input.Type != Ir.ElementType.Float32
        ? new[] { NanoTypeTemplate.Helper(nameof(ArgMaxFloat) + "#Nano", Arenas.MethodSuffix(Input.Type)) }
        : null;

    public override void EmitNanoCall(CodeWriter code, string name) =>
        code.Line($"ArgMax{Arenas.MethodSuffix(Input.Type)}({Input.NanoArguments(code)}, outer: {Outer}, size: {Size}, inner: {Inner}, " +
                  $"smallest: {(Smallest ? "true" : "false")}, selectLastIndex: {(SelectLastIndex ? "true" : "false")}, {Output.NanoArguments(code)});");

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Int(Outer); w.Int(Size); w.Int(Inner); w.Byte(SelectLastIndex ? (byte)1 : (byte)0); w.Slice(Input); w.Slice(Output);
    }

    public static ArgMaxFloat Read(PlanBinaryReader r, string source, bool smallest = false) =>
        new(source, r.Int(), r.Int(), r.Int(), r.Byte() == 1, r.Slice(), r.Slice(), smallest);

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"ArgMax{(Input.Type == Ir.ElementType.Float32 ? "" : $"<{Arenas.CSharpType(Input.Type)}>")}({Input.Expression(code)}, outer: {Outer}, size: {Size}, inner: {Inner}, smallest: {(Smallest ? "true" : "false")}, selectLastIndex: {(SelectLastIndex ? "true" : "false")}, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name) { }
}
