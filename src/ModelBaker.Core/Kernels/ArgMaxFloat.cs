using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// The index (int64) of the largest element of each group of <c>size</c> elements <c>inner</c> apart, the input seen
/// as [outer, size, inner] (ArgMax along one axis). Ties give the first index, or the last with selectLastIndex.
/// </summary>
public sealed class ArgMaxFloat : FloatKernel
{
    public ArgMaxFloat(string source, int outer, int size, int inner, bool selectLastIndex, ArenaSlice input, ArenaSlice output)
        : base(source)
    {
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
    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }

    public override Kernel Quantize(Quantization.QuantizationContext context) => ArgMaxInt8.From(this, context);

    public override KernelKind Kind => KernelKind.ArgMaxFloat;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 0;
    public override IEnumerable<string> Helpers => new[] { nameof(ArgMaxFloat) };

    public override void Run(PlanArena arena) =>
        ArgMax(arena.Floats(Input), Outer, Size, Inner, SelectLastIndex, arena.Of<long>(Output));

    // <emit>
    /// <summary>Index of the largest float of each group (NaN counts as largest, as in ONNX Runtime and numpy).</summary>
    public static void ArgMax(System.ReadOnlySpan<float> input, int outer, int size, int inner, bool selectLastIndex, System.Span<long> output)
    {
        for (int o = 0; o < outer; o++)
        for (int n = 0; n < inner; n++)
        {
            int start = o * size * inner + n, best = 0;
            float max = input[start];
            for (int j = 1; j < size && !float.IsNaN(max); j++)
            {
                float x = input[start + j * inner];
                if (x > max || (selectLastIndex && x == max) || float.IsNaN(x)) { max = x; best = j; }
            }
            output[o * inner + n] = best;
        }
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Int(Outer); w.Int(Size); w.Int(Inner); w.Byte(SelectLastIndex ? (byte)1 : (byte)0); w.Slice(Input); w.Slice(Output);
    }

    public static ArgMaxFloat Read(PlanBinaryReader r, string source) =>
        new(source, r.Int(), r.Int(), r.Int(), r.Byte() == 1, r.Slice(), r.Slice());

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"ArgMax({Input.Expression(code)}, outer: {Outer}, size: {Size}, inner: {Inner}, selectLastIndex: {(SelectLastIndex ? "true" : "false")}, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name) { }
}
