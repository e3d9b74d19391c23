using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;

using static ModelBaker.Core.Kernels.FloatGemm;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// Element-wise float Add, Sub, Mul, Div, Max, Min, PRelu, Mod or Pow with numpy broadcasting, optionally clamped
/// (a fused Relu or Clip).
/// </summary>
public class BinaryFloat : FloatKernel, IDifferentiable
{
    /// <summary>The step for <paramref name="operation"/>.</summary>
    public static BinaryFloat Create(string source, BinaryOperation operation, int[] shape, Operand<float> a, Operand<float> b,
        float activationMin, float activationMax, ArenaSlice output) =>
        new(source, operation, shape, a, b, activationMin, activationMax, output);

    protected BinaryFloat(string source, BinaryOperation operation, int[] shape, Operand<float> a, Operand<float> b,
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
        Create(source, Operation, Shape, A, B, Clamp(ActivationMin, min, max), Clamp(ActivationMax, min, max), output);

    private static float Clamp(float value, float min, float max) => Math.Min(Math.Max(value, min), max);

    public override Kernel Quantize(Quantization.QuantizationContext context) => BinaryInt8.From(this, context);

    public override KernelKind Kind => KernelKind.BinaryFloat;
    public override IEnumerable<ArenaSlice> Reads => new[] { A.Slice, B.Slice }.Where(s => s != null)!;
    public override int WeightBytes => 4 * ((A.Constant?.Length ?? 0) + (B.Constant?.Length ?? 0) + 3 * Shape.Length);
    public override IEnumerable<string> Helpers => new[] { nameof(BinaryFloat), nameof(FloatGemm) }; // FloatGemm: the vector clamp

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
        if (output.Length == 0) return;
        // Trailing dimensions both operands walk evenly merge into one run, so coordinates are worked out once per run.
        int rank = shape.Length, run = 1, aStep = 0, bStep = 0, outer = rank;
        if (rank > 0)
        {
            aStep = aStrides[rank - 1];
            bStep = bStrides[rank - 1];
            for (outer = rank - 1; outer >= 0 && aStrides[outer] == aStep * run && bStrides[outer] == bStep * run; outer--) run *= shape[outer];
            outer++;
        }
        for (int start = 0; start < output.Length; start += run)
        {
            int aIndex = 0, bIndex = 0, rest = start / run;
            for (int d = outer - 1; d >= 0; d--)
            {
                int coordinate = rest % shape[d];
                rest /= shape[d];
                aIndex += coordinate * aStrides[d];
                bIndex += coordinate * bStrides[d];
            }
            Span<float> to = output.Slice(start, run);
            int i = 0;
#if NET8_0_OR_GREATER
            // Add, Sub, Mul and Div are one rounding per element: vector lanes give the scalar loop's bits.
            if (operation <= 3 && (aStep == 1 || aStep == 0) && (bStep == 1 || bStep == 0) && System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated)
                i = BinaryFloatRun(operation, a.Slice(aIndex), aStep, b.Slice(bIndex), bStep, activationMin, activationMax, to);
#endif
            for (; i < run; i++)
            {
                float value = Apply(operation, a[aIndex + i * aStep], b[bIndex + i * bStep]);
                to[i] = value < activationMin ? activationMin : value > activationMax ? activationMax : value;
            }
        }
    }

#if NET8_0_OR_GREATER
    /// <summary>
    /// The vector part of one run of Add, Sub, Mul or Div, each operand contiguous (step 1) or one repeated value (step 0):
    /// how many outputs it wrote, a multiple of the vector width; the caller finishes the rest.
    /// </summary>
    private static int BinaryFloatRun(int operation, ReadOnlySpan<float> a, int aStep, ReadOnlySpan<float> b, int bStep,
        float activationMin, float activationMax, Span<float> output)
    {
        int count = output.Length, i = 0;
        if (aStep == 1 && a.Length < count || bStep == 1 && b.Length < count || aStep == 0 && a.Length < 1 || bStep == 0 && b.Length < 1) return 0;
        ref float x = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(a);
        ref float y = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(b);
        ref float to = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(output);
        if (System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated)
        {
            var min = System.Runtime.Intrinsics.Vector256.Create(activationMin);
            var max = System.Runtime.Intrinsics.Vector256.Create(activationMax);
            for (; i + 8 <= count; i += 8)
            {
                var u = aStep == 0 ? System.Runtime.Intrinsics.Vector256.Create(x) : System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref x, (nuint)i);
                var v = bStep == 0 ? System.Runtime.Intrinsics.Vector256.Create(y) : System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref y, (nuint)i);
                var value = operation == 0 ? u + v : operation == 1 ? u - v : operation == 2 ? u * v : u / v;
                System.Runtime.Intrinsics.Vector256.StoreUnsafe(ClampFloat256(value, min, max), ref to, (nuint)i);
            }
        }
        else
        {
            var min = System.Runtime.Intrinsics.Vector128.Create(activationMin);
            var max = System.Runtime.Intrinsics.Vector128.Create(activationMax);
            for (; i + 4 <= count; i += 4)
            {
                var u = aStep == 0 ? System.Runtime.Intrinsics.Vector128.Create(x) : System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref x, (nuint)i);
                var v = bStep == 0 ? System.Runtime.Intrinsics.Vector128.Create(y) : System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref y, (nuint)i);
                var value = operation == 0 ? u + v : operation == 1 ? u - v : operation == 2 ? u * v : u / v;
                System.Runtime.Intrinsics.Vector128.StoreUnsafe(ClampFloat128(value, min, max), ref to, (nuint)i);
            }
        }
        return i;
    }
#endif

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
        Create(source, (BinaryOperation)r.Byte(), r.Ints(), ReadOperand(r), ReadOperand(r), r.Float(), r.Float(), r.Slice());

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
