using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// Element-wise float Add, Sub, Mul, Div, Max, Min or PRelu with numpy broadcasting, optionally clamped
/// (a fused Relu or Clip).
/// </summary>
public sealed class BinaryFloat : FloatKernel, IDifferentiable
{
    public BinaryFloat(string source, BinaryOperation operation, int[] shape, Operand<float> a, Operand<float> b,
        float activationMin, float activationMax, ArenaSlice output) : base(source)
    {
        Operation = operation;
        Shape = shape;
        A = a;
        B = b;
        ActivationMin = activationMin;
        ActivationMax = activationMax;
        Output = output;
    }

    public BinaryOperation Operation { get; }
    public int[] Shape { get; }
    public Operand<float> A { get; }
    public Operand<float> B { get; }
    public float ActivationMin { get; }
    public float ActivationMax { get; }
    public override ArenaSlice Output { get; }

    /// <summary>Clamping [lo, hi] then [min, max] is clamping to [clamp(lo), clamp(hi)] — also when the ranges miss each other.</summary>
    public override FloatKernel? WithActivation(string source, ArenaSlice output, float min, float max) =>
        new BinaryFloat(source, Operation, Shape, A, B, Clamp(ActivationMin, min, max), Clamp(ActivationMax, min, max), output);

    private static float Clamp(float value, float min, float max) => Math.Min(Math.Max(value, min), max);

    public override Kernel Quantize(Quantization.QuantizationContext context) => BinaryInt8.From(this, context);

    public override KernelKind Kind => KernelKind.BinaryFloat;
    public override IEnumerable<ArenaSlice> Reads => new[] { A.Slice, B.Slice }.Where(s => s != null)!;
    public override int WeightBytes => 4 * ((A.Constant?.Length ?? 0) + (B.Constant?.Length ?? 0) + 3 * Shape.Length);
    public override IEnumerable<string> Helpers => new[] { nameof(BinaryFloat) };

    public override void Run(PlanArena arena) =>
        Binary((int)Operation, Data(A, arena), A.Strides, Data(B, arena), B.Strides, Shape, ActivationMin, ActivationMax,
            arena.Floats(Output));

    private static ReadOnlySpan<float> Data(Operand<float> operand, PlanArena arena) =>
        operand.Constant ?? arena.Floats(operand.Slice!);

    // <emit>
    /// <summary>
    /// Float element-wise operation with broadcasting (strides are 0 along broadcast dimensions), then a clamp:
    /// 0 Add, 1 Sub, 2 Mul, 3 Div, 4 Max, 5 Min, 6 PRelu (b is the slope), 7 Mod (the divisor's sign), 8 FMod (the
    /// dividend's sign), 9 Pow.
    /// </summary>
    public static void Binary(int operation, ReadOnlySpan<float> a, ReadOnlySpan<int> aStrides, ReadOnlySpan<float> b, ReadOnlySpan<int> bStrides,
        ReadOnlySpan<int> shape, float activationMin, float activationMax, Span<float> output)
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
            float value = Apply(operation, a[aIndex], b[bIndex]);
            output[i] = value < activationMin ? activationMin : value > activationMax ? activationMax : value;
        }
    }

    /// <summary>One element of Binary.</summary>
    public static float Apply(int operation, float x, float y)
    {
        switch (operation)
        {
            case 0: return x + y;
            case 1: return x - y;
            case 2: return x * y;
            case 3: return x / y;
            case 4: return x >= y || float.IsNaN(x) ? x : y;
            case 5: return x <= y || float.IsNaN(x) ? x : y;
            case 6: return x >= 0f ? x : x * y;
            case 7: { float r = x % y; return r != 0f && (r < 0f) != (y < 0f) ? r + y : r; }
            case 8: return x % y;
            default: return (float)Math.Pow(x, y);
        }
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Byte((byte)Operation);
        w.Ints(Shape);
        WriteOperand(w, A);
        WriteOperand(w, B);
        w.Float(ActivationMin); w.Float(ActivationMax);
        w.Slice(Output);
    }

    private static void WriteOperand(PlanBinaryWriter w, Operand<float> operand)
    {
        w.Byte(operand.IsConstant ? (byte)1 : (byte)0);
        if (operand.IsConstant) w.Floats(operand.Constant!); else w.Slice(operand.Slice!);
        w.Ints(operand.Strides);
    }

    public static BinaryFloat Read(PlanBinaryReader r, string source) =>
        new(source, (BinaryOperation)r.Byte(), r.Ints(), ReadOperand(r), ReadOperand(r), r.Float(), r.Float(), r.Slice());

    private static Operand<float> ReadOperand(PlanBinaryReader r) =>
        r.Byte() == 1 ? new Operand<float>(null, r.Floats(), r.Ints()) : new Operand<float>(r.Slice(), null, r.Ints());

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"Binary({(int)Operation} /* {Operation} */, {Expression(code, A, name + "A")}, {name}AStrides, {Expression(code, B, name + "B")}, {name}BStrides, {name}Shape,")
            .Line($"    activationMin: {CodeWriter.Float(ActivationMin)}, activationMax: {CodeWriter.Float(ActivationMax)}, {Output.Expression(code)});");

    private static string Expression(CodeWriter code, Operand<float> operand, string constantName) =>
        operand.IsConstant ? constantName : operand.Slice!.Expression(code);

    public override void EmitData(CodeWriter code, string name)
    {
        EmitArrays.Ints(code, $"{name}Shape", Shape, "output shape");
        EmitArrays.Ints(code, $"{name}AStrides", A.Strides, "strides of the first input over the output shape");
        EmitArrays.Ints(code, $"{name}BStrides", B.Strides, "strides of the second input over the output shape");
        if (A.IsConstant) EmitArrays.Floats(code, $"{name}A", A.Constant!, "constant first input");
        if (B.IsConstant) EmitArrays.Floats(code, $"{name}B", B.Constant!, "constant second input");
    }

    /// <summary>Add, Sub and Mul with broadcasting: each output element's gradient goes back to the elements its strides read.</summary>
    public string? NoGradient => Operation is BinaryOperation.Add or BinaryOperation.Sub or BinaryOperation.Mul ? null : $"{Operation} has no backward pass yet";

    public void Backward(float[][] inputs, float[] forwardOutput, double[] outputGradient, double[][] inputGradients)
    {
        // A fused clamp passes the gradient only where the output lies strictly inside it.
        var output = Gradients.ThroughClamp(forwardOutput, outputGradient, ActivationMin, ActivationMax);
        // Reads lists the operands that are tensors, in order; a constant operand has no gradient.
        int next = 0;
        int aInput = A.IsConstant ? -1 : next++, bInput = B.IsConstant ? -1 : next;
        var a = aInput >= 0 ? inputs[aInput] : A.Constant!;
        var b = bInput >= 0 ? inputs[bInput] : B.Constant!;
        var shape = Shape;
        for (int i = 0; i < output.Length; i++)
        {
            if (output[i] == 0) continue;
            int aIndex = 0, bIndex = 0, rest = i;
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                int coordinate = rest % shape[d];
                rest /= shape[d];
                aIndex += coordinate * A.Strides[d];
                bIndex += coordinate * B.Strides[d];
            }
            var (da, db) = Operation switch
            {
                BinaryOperation.Add => (1.0, 1.0),
                BinaryOperation.Sub => (1.0, -1.0),
                _ => ((double)b[bIndex], (double)a[aIndex]), // Mul
            };
            if (aInput >= 0) inputGradients[aInput][aIndex] += output[i] * da;
            if (bInput >= 0) inputGradients[bInput][bIndex] += output[i] * db;
        }
    }
}
