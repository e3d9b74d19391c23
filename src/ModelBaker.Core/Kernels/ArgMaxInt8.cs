using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// ArgMax of int8 values, laid out as <see cref="ArgMaxFloat"/>. Quantization is monotonic, so the index of the
/// largest quantized value is the index of the largest real; values that differ in float but quantize equal are a tie,
/// resolved by selectLastIndex like any other.
/// </summary>
public sealed class ArgMaxInt8 : Int8Kernel
{
    public ArgMaxInt8(string source, int outer, int size, int inner, bool selectLastIndex, ArenaSlice input, ArenaSlice output,
        bool smallest = false) : base(source)
    {
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
    /// <summary>ArgMin rather than ArgMax (stored as its own kind with ArgMax's payload).</summary>
    public bool Smallest { get; }
    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }

    public static ArgMaxInt8 From(ArgMaxFloat argMax, QuantizationContext q) =>
        new(argMax.Source, argMax.Outer, argMax.Size, argMax.Inner, argMax.SelectLastIndex, q.Slice(argMax.Input), argMax.Output, argMax.Smallest);

    public override KernelKind Kind => Smallest ? KernelKind.ArgMinInt8 : KernelKind.ArgMaxInt8;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 0;
    public override IEnumerable<string> Helpers => new[] { nameof(ArgMaxInt8) };

    public override void Run(PlanArena arena) =>
        ArgMax(arena.Int8s(Input), Outer, Size, Inner, Smallest, SelectLastIndex, arena.Of<long>(Output));

    // <emit>
    /// <summary>Index of the largest (or smallest) int8 of each group.</summary>
    public static void ArgMax(System.ReadOnlySpan<sbyte> input, int outer, int size, int inner, bool smallest, bool selectLastIndex, System.Span<long> output)
    {
        for (int o = 0; o < outer; o++)
        for (int n = 0; n < inner; n++)
        {
            int start = o * size * inner + n, best = 0, max = input[start];
            for (int j = 1; j < size; j++)
            {
                int x = input[start + j * inner];
                if ((smallest ? x < max : x > max) || (selectLastIndex && x == max)) { max = x; best = j; }
            }
            output[o * inner + n] = best;
        }
    }
    // </emit>

    // <emit Nano>
    /// <summary>Index of the largest (or smallest) int8 of each group, on arrays.</summary>
    public static void ArgMax(sbyte[] input, int inputOffset, int outer, int size, int inner, bool smallest, bool selectLastIndex, long[] output, int outputOffset)
    {
        for (int o = 0; o < outer; o++)
        for (int n = 0; n < inner; n++)
        {
            int start = inputOffset + o * size * inner + n, best = 0, max = input[start];
            for (int j = 1; j < size; j++)
            {
                int x = input[start + j * inner];
                if ((smallest ? x < max : x > max) || (selectLastIndex && x == max)) { max = x; best = j; }
            }
            output[outputOffset + o * inner + n] = best;
        }
    }
    // </emit>

    public override IEnumerable<string> NanoHelpers => new[] { nameof(ArgMaxInt8) + "#Nano" };

    public override void EmitNanoCall(CodeWriter code, string name) =>
        code.Line($"ArgMax({Input.NanoArguments(code)}, outer: {Outer}, size: {Size}, inner: {Inner}, smallest: {(Smallest ? "true" : "false")}, selectLastIndex: {(SelectLastIndex ? "true" : "false")}, {Output.NanoArguments(code)});");

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Int(Outer); w.Int(Size); w.Int(Inner); w.Byte(SelectLastIndex ? (byte)1 : (byte)0); w.Slice(Input); w.Slice(Output);
    }

    public static ArgMaxInt8 Read(PlanBinaryReader r, string source, bool smallest = false) =>
        new(source, r.Int(), r.Int(), r.Int(), r.Byte() == 1, r.Slice(), r.Slice(), smallest);

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"ArgMax({Input.Expression(code)}, outer: {Outer}, size: {Size}, inner: {Inner}, smallest: {(Smallest ? "true" : "false")}, selectLastIndex: {(SelectLastIndex ? "true" : "false")}, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name) { }
}
