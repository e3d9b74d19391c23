using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Compression;
using ModelBaker.Core.Plan;
using static ModelBaker.Core.Kernels.FixedPoint;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// Element-wise int8 addition with numpy broadcasting, TensorFlow Lite's way: both inputs are rescaled to a
/// common scale (2 × the larger input scale, with 20 bits of headroom), added in int32, then requantized.
/// </summary>
public sealed class AddInt8 : Int8Kernel
{
    /// <summary>Bits the inputs are shifted left before rescaling, so rescaling loses no precision.</summary>
    public const int LeftShift = 20;

    public AddInt8(string source, int[] shape, Operand<sbyte> a, QuantizedTerm aTerm, Operand<sbyte> b, QuantizedTerm bTerm,
        int outputMultiplier, int outputShift, int outputZeroPoint, int activationMin, int activationMax, ArenaSlice output)
        : base(source)
    {
        Shape = shape;
        A = a;
        ATerm = aTerm;
        B = b;
        BTerm = bTerm;
        OutputMultiplier = outputMultiplier;
        OutputShift = outputShift;
        OutputZeroPoint = outputZeroPoint;
        ActivationMin = activationMin;
        ActivationMax = activationMax;
        Output = output;
    }

    public int[] Shape { get; }
    public Operand<sbyte> A { get; }
    public QuantizedTerm ATerm { get; }
    public Operand<sbyte> B { get; }
    public QuantizedTerm BTerm { get; }
    public int OutputMultiplier { get; }
    public int OutputShift { get; }
    public int OutputZeroPoint { get; }
    public int ActivationMin { get; }
    public int ActivationMax { get; }
    public override ArenaSlice Output { get; }

    /// <summary>TensorFlow Lite's int8 add: both inputs rescaled to twice the larger input scale, then requantized.</summary>
    public static AddInt8 From(AddFloat add, QuantizationContext q)
    {
        var (a, aParameters) = Operand(add.A, q);
        var (b, bParameters) = Operand(add.B, q);
        var output = q.Parameters(add.Output);
        double twiceMaxScale = 2 * Math.Max(aParameters.Scale, bParameters.Scale);
        QuantizedTerm Term(QuantizationParameters p)
        {
            var (m, s) = QuantizeMultiplier(p.Scale / twiceMaxScale);
            return new QuantizedTerm(p.ZeroPoint, m, s);
        }
        var (outMultiplier, outShift) = QuantizeMultiplier(twiceMaxScale / ((1 << LeftShift) * output.Scale));
        var (min, max) = QuantizationContext.ActivationRange(add.ActivationMin, add.ActivationMax, output);
        return new AddInt8(add.Source, add.Shape, a, Term(aParameters), b, Term(bParameters),
            outMultiplier, outShift, output.ZeroPoint, min, max, q.Slice(add.Output));
    }

    /// <summary>A tensor operand keeps its calibrated parameters; a constant one is quantized over its own range.</summary>
    private static (Operand<sbyte>, QuantizationParameters) Operand(Operand<float> operand, QuantizationContext q)
    {
        if (operand.Slice != null) return (new Operand<sbyte>(q.Slice(operand.Slice), null, operand.Strides), q.Parameters(operand.Slice));
        var data = operand.Constant!;
        var p = QuantizationParameters.FromRange(data.Min(), data.Max());
        var quantized = data.Select(v => Quantize(v, p.Scale, p.ZeroPoint)).ToArray();
        return (new Operand<sbyte>(null, quantized, operand.Strides), p);
    }

    public override KernelKind Kind => KernelKind.AddInt8;
    public override IEnumerable<ArenaSlice> Reads => new[] { A.Slice, B.Slice }.Where(s => s != null)!;
    public override int WeightBytes => (A.Constant?.Length ?? 0) + (B.Constant?.Length ?? 0) + 4 * 3 * Shape.Length;
    public override IEnumerable<string> Helpers => new[] { nameof(AddInt8), nameof(FixedPoint) };

    public override void Run(PlanArena arena) =>
        Add(Data(A, arena), A.Strides, ATerm.ZeroPoint, ATerm.Multiplier, ATerm.Shift,
            Data(B, arena), B.Strides, BTerm.ZeroPoint, BTerm.Multiplier, BTerm.Shift,
            Shape, OutputMultiplier, OutputShift, OutputZeroPoint, ActivationMin, ActivationMax,
            arena.Int8s(Output));

    private static ReadOnlySpan<sbyte> Data(Operand<sbyte> operand, PlanArena arena) =>
        operand.Constant ?? arena.Int8s(operand.Slice!);

    // <emit>
    /// <summary>Int8 element-wise addition with broadcasting (strides are 0 along broadcast dimensions).</summary>
    public static void Add(
        ReadOnlySpan<sbyte> a, ReadOnlySpan<int> aStrides, int aZeroPoint, int aMultiplier, int aShift,
        ReadOnlySpan<sbyte> b, ReadOnlySpan<int> bStrides, int bZeroPoint, int bMultiplier, int bShift,
        ReadOnlySpan<int> shape, int outputMultiplier, int outputShift, int outputZeroPoint,
        int activationMin, int activationMax, Span<sbyte> output)
    {
        for (int i = 0; i < output.Length; i++)
        {
            int aIndex = 0, bIndex = 0, rest = i;
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                int coordinate = rest % shape[d];
                rest /= shape[d];
                aIndex += coordinate * aStrides[d];
                bIndex += coordinate * bStrides[d];
            }
            int scaledA = MultiplyByQuantizedMultiplier((a[aIndex] - aZeroPoint) * (1 << 20), aMultiplier, aShift);
            int scaledB = MultiplyByQuantizedMultiplier((b[bIndex] - bZeroPoint) * (1 << 20), bMultiplier, bShift);
            int value = MultiplyByQuantizedMultiplier(scaledA + scaledB, outputMultiplier, outputShift) + outputZeroPoint;
            output[i] = (sbyte)(value < activationMin ? activationMin : value > activationMax ? activationMax : value);
        }
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Ints(Shape);
        WriteOperand(w, A, ATerm);
        WriteOperand(w, B, BTerm);
        w.Int(OutputMultiplier); w.Int(OutputShift); w.Int(OutputZeroPoint);
        w.Int(ActivationMin); w.Int(ActivationMax);
        w.Slice(Output);
    }

    private static void WriteOperand(PlanBinaryWriter w, Operand<sbyte> operand, QuantizedTerm term)
    {
        w.Byte(operand.IsConstant ? (byte)1 : (byte)0);
        if (operand.IsConstant) w.SBytes(operand.Constant!); else w.Slice(operand.Slice!);
        w.Ints(operand.Strides);
        w.Int(term.ZeroPoint); w.Int(term.Multiplier); w.Int(term.Shift);
    }

    public static AddInt8 Read(PlanBinaryReader r, string source)
    {
        int[] shape = r.Ints();
        var (a, aTerm) = ReadOperand(r);
        var (b, bTerm) = ReadOperand(r);
        return new AddInt8(source, shape, a, aTerm, b, bTerm, r.Int(), r.Int(), r.Int(), r.Int(), r.Int(), r.Slice());
    }

    private static (Operand<sbyte>, QuantizedTerm) ReadOperand(PlanBinaryReader r)
    {
        bool constant = r.Byte() == 1;
        var operand = constant ? new Operand<sbyte>(null, r.SBytes(), r.Ints()) : new Operand<sbyte>(r.Slice(), null, r.Ints());
        return (operand, new QuantizedTerm(r.Int(), r.Int(), r.Int()));
    }

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"Add({Expression(A, name + "A")}, {name}AStrides, aZeroPoint: {ATerm.ZeroPoint}, aMultiplier: {ATerm.Multiplier}, aShift: {ATerm.Shift},")
            .Line($"    {Expression(B, name + "B")}, {name}BStrides, bZeroPoint: {BTerm.ZeroPoint}, bMultiplier: {BTerm.Multiplier}, bShift: {BTerm.Shift},")
            .Line($"    {name}Shape, outputMultiplier: {OutputMultiplier}, outputShift: {OutputShift}, outputZeroPoint: {OutputZeroPoint},")
            .Line($"    activationMin: {ActivationMin}, activationMax: {ActivationMax}, {Output.Expression()});");

    private static string Expression(Operand<sbyte> operand, string constantName) =>
        operand.IsConstant ? constantName : operand.Slice!.Expression();

    public override void EmitData(CodeWriter code, string name)
    {
        EmitArrays.Ints(code, $"{name}Shape", Shape, "output shape");
        EmitArrays.Ints(code, $"{name}AStrides", A.Strides, "strides of the first input over the output shape");
        EmitArrays.Ints(code, $"{name}BStrides", B.Strides, "strides of the second input over the output shape");
        if (A.IsConstant) EmitArrays.SBytes(code, $"{name}A", A.Constant!, "constant first input, int8");
        if (B.IsConstant) EmitArrays.SBytes(code, $"{name}B", B.Constant!, "constant second input, int8");
    }
}

/// <summary>How one input of an int8 Add is brought to the common scale: its zero point and a multiplier.</summary>
public readonly struct QuantizedTerm
{
    public QuantizedTerm(int zeroPoint, int multiplier, int shift)
    {
        ZeroPoint = zeroPoint;
        Multiplier = multiplier;
        Shift = shift;
    }

    public int ZeroPoint { get; }
    public int Multiplier { get; }
    public int Shift { get; }
}
