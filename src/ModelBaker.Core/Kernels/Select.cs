using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// ONNX Where: output[i] = condition ? x : y, the three operands broadcast together (numpy rules), of any element type.
/// Int8 plans select int8 values when the float operands that are tensors share one quantization; constant operands are
/// quantized with it, and the output keeps it — a selection changes no value.
/// </summary>
public sealed class Select : FloatKernel
{
    public Select(string source, int[] shape, TypedOperand condition, TypedOperand x, TypedOperand y, ArenaSlice output) : base(source)
    {
        if (condition.Type != ElementType.Bool) throw new ArgumentException("The condition is bool.", nameof(condition));
        if (x.Type != y.Type || x.Type != output.Type) throw new ArgumentException("x, y and the output have one element type.");
        Shape = shape;
        Condition = condition;
        X = x;
        Y = y;
        Output = output;
    }

    public int[] Shape { get; }
    public TypedOperand Condition { get; }
    public TypedOperand X { get; }
    public TypedOperand Y { get; }
    public override ArenaSlice Output { get; }

    public override Kernel Quantize(QuantizationContext q)
    {
        if (Output.Type != ElementType.Float32) return this;
        var tensors = new[] { X.Slice, Y.Slice }.Where(s => s != null).Select(s => q.Parameters(s!)).Distinct().ToList();
        if (tensors.Count > 1)
            throw new BakeException(ErrorCodes.Int8OperandsOfTwoScales,
                $"Node {Source}: Where on int8 needs x and y of one quantization (scale and zero point), but their calibrated ranges differ. " +
                "Bake the model with Precision=\"Float32\".");
        var p = q.Fix(Output, tensors.Count == 1 ? tensors[0] : q.Parameters(Output));
        TypedOperand Int8(TypedOperand operand) => operand.Slice != null
            ? new TypedOperand(q.Slice(operand.Slice), null, operand.Strides)
            : new TypedOperand(null, ((float[])operand.Constant!).Select(v => FixedPoint.Quantize(v, p.Scale, p.ZeroPoint)).ToArray(), operand.Strides);
        return new Select(Source, Shape, Condition, Int8(X), Int8(Y), q.Slice(Output));
    }

    public override KernelKind Kind => KernelKind.Select;
    public override IEnumerable<ArenaSlice> Reads => new[] { Condition.Slice, X.Slice, Y.Slice }.Where(s => s != null)!;
    public override int WeightBytes => Condition.ConstantBytes + X.ConstantBytes + Y.ConstantBytes + 4 * 4 * Shape.Length;
    public override IEnumerable<string> Helpers => new[] { nameof(Select), nameof(BinaryInteger) };

    public override void Run(PlanArena arena)
    {
        switch (Output.Type)
        {
            case ElementType.Float32: Run<float>(arena); break;
            case ElementType.Int8: Run<sbyte>(arena); break;
            case ElementType.UInt8: Run<byte>(arena); break;
            case ElementType.Int32: Run<int>(arena); break;
            case ElementType.Int64: Run<long>(arena); break;
            default: Run<bool>(arena); break;
        }
    }

    private void Run<T>(PlanArena arena) =>
        SelectElements(Condition.Data<bool>(arena), Condition.Strides, X.Data<T>(arena), X.Strides, Y.Data<T>(arena), Y.Strides, Shape, arena.Of<T>(Output));

    // <emit>
    /// <summary>output[i] = condition ? x : y, each read through its broadcast strides (0 along broadcast dimensions).</summary>
    public static void SelectElements<T>(ReadOnlySpan<bool> condition, ReadOnlySpan<int> conditionStrides, ReadOnlySpan<T> x, ReadOnlySpan<int> xStrides,
        ReadOnlySpan<T> y, ReadOnlySpan<int> yStrides, ReadOnlySpan<int> shape, Span<T> output)
    {
        for (int i = 0; i < output.Length; i++)
            output[i] = condition[BroadcastIndex(i, shape, conditionStrides)] ? x[BroadcastIndex(i, shape, xStrides)] : y[BroadcastIndex(i, shape, yStrides)];
    }
    // </emit>

    private static int BroadcastIndex(int i, ReadOnlySpan<int> shape, ReadOnlySpan<int> strides) => BinaryInteger.BroadcastIndex(i, shape, strides);

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Ints(Shape);
        Condition.Write(w);
        X.Write(w);
        Y.Write(w);
        w.Slice(Output);
    }

    public static Select Read(PlanBinaryReader r, string source) =>
        new(source, r.Ints(), TypedOperand.Read(r), TypedOperand.Read(r), TypedOperand.Read(r), r.Slice());

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"SelectElements<{Arenas.CSharpType(Output.Type)}>({Condition.Expression(code, name + "Condition")}, {name}ConditionStrides, " +
                  $"{X.Expression(code, name + "X")}, {name}XStrides, {Y.Expression(code, name + "Y")}, {name}YStrides, {name}Shape, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name)
    {
        EmitArrays.Ints(code, $"{name}Shape", Shape, "output shape");
        Condition.EmitData(code, $"{name}Condition", "the condition");
        X.EmitData(code, $"{name}X", "x (where the condition holds)");
        Y.EmitData(code, $"{name}Y", "y (where it does not)");
    }
}
