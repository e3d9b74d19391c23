using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// The index (int64) of the largest (ArgMax) or smallest (ArgMin) element of each group of <c>size</c> elements
/// <c>inner</c> apart, the input seen as [outer, size, inner] (along one axis), of float, int32 or int64 tensors. Ties
/// give the first index, or the last with selectLastIndex. Argmin is stored as its own kind with ArgMax's payload.
/// </summary>
public sealed class ArgMaxFloat : FloatKernel
{
    public ArgMaxFloat(string source, int outer, int size, int inner, bool selectLastIndex, ArenaSlice input, ArenaSlice output,
        bool smallest = false) : base(source)
    {
        if (input.Type is not (Ir.ElementType.Float32 or Ir.ElementType.Int32 or Ir.ElementType.Int64))
            throw new System.ArgumentException("ArgMax and ArgMin steps take float32, int32 or int64.", nameof(input));
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
            case Ir.ElementType.Int32: ArgMax(arena.Of<int>(Input), Outer, Size, Inner, Smallest, SelectLastIndex, output); break;
            default: ArgMax(arena.Of<long>(Input), Outer, Size, Inner, Smallest, SelectLastIndex, output); break;
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

    /// <summary>Index of the largest (or smallest) int32 of each group.</summary>
    public static void ArgMax(System.ReadOnlySpan<int> input, int outer, int size, int inner, bool smallest, bool selectLastIndex, System.Span<long> output)
    {
        for (int o = 0; o < outer; o++)
        for (int n = 0; n < inner; n++)
        {
            int start = o * size * inner + n, best = 0, extreme = input[start];
            for (int j = 1; j < size; j++)
            {
                int x = input[start + j * inner];
                if ((smallest ? x < extreme : x > extreme) || (selectLastIndex && x == extreme)) { extreme = x; best = j; }
            }
            output[o * inner + n] = best;
        }
    }

    /// <summary>Index of the largest (or smallest) int64 of each group.</summary>
    public static void ArgMax(System.ReadOnlySpan<long> input, int outer, int size, int inner, bool smallest, bool selectLastIndex, System.Span<long> output)
    {
        for (int o = 0; o < outer; o++)
        for (int n = 0; n < inner; n++)
        {
            int start = o * size * inner + n, best = 0;
            long extreme = input[start];
            for (int j = 1; j < size; j++)
            {
                long x = input[start + j * inner];
                if ((smallest ? x < extreme : x > extreme) || (selectLastIndex && x == extreme)) { extreme = x; best = j; }
            }
            output[o * inner + n] = best;
        }
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Int(Outer); w.Int(Size); w.Int(Inner); w.Byte(SelectLastIndex ? (byte)1 : (byte)0); w.Slice(Input); w.Slice(Output);
    }

    public static ArgMaxFloat Read(PlanBinaryReader r, string source, bool smallest = false) =>
        new(source, r.Int(), r.Int(), r.Int(), r.Byte() == 1, r.Slice(), r.Slice(), smallest);

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"ArgMax({Input.Expression(code)}, outer: {Outer}, size: {Size}, inner: {Inner}, smallest: {(Smallest ? "true" : "false")}, selectLastIndex: {(SelectLastIndex ? "true" : "false")}, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name) { }
}
