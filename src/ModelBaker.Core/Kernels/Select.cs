using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// ONNX Where: output[i] = condition ? x : y, the three operands broadcast together (numpy rules), of any element type.
/// Int8 plans select int8 values when the float operands that are tensors share one quantization; constant operands are
/// quantized with it, and the output keeps it — a selection changes no value. When x and y are tensors of different
/// quantizations the output keeps its own calibrated one and each operand's int8 value is carried onto it by a
/// 256-entry map (<see cref="Requantization"/>), as Concat requantizes its parts.
/// </summary>
public sealed class Select : FloatKernel
{
    public Select(string source, int[] shape, TypedOperand condition, TypedOperand x, TypedOperand y, ArenaSlice output,
        sbyte[]? xMap = null, sbyte[]? yMap = null) : base(source)
    {
        if ((xMap == null) != (yMap == null) || (xMap != null && (xMap.Length != 256 || yMap!.Length != 256 || output.Type != ElementType.Int8)))
            throw new ArgumentException("Requantizing maps come in pairs of 256 entries, for int8 operands.");
        if (condition.Type != ElementType.Bool) throw new ArgumentException("The condition is bool.", nameof(condition));
        if (x.Type != y.Type || x.Type != output.Type) throw new ArgumentException("x, y and the output have one element type.");
        Shape = shape;
        Condition = condition;
        X = x;
        Y = y;
        Output = output;
        XMap = xMap;
        YMap = yMap;
    }

    /// <summary>x's and y's int8 value + 128 → the output's int8 value, when x and y have different quantizations.</summary>
    public sbyte[]? XMap { get; }
    public sbyte[]? YMap { get; }

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
        {
            var own = q.Parameters(Output);
            return new Select(Source, Shape, Condition, new TypedOperand(q.Slice(X.Slice!), null, X.Strides), new TypedOperand(q.Slice(Y.Slice!), null, Y.Strides),
                q.Slice(Output), Requantization(q.Parameters(X.Slice!), own), Requantization(q.Parameters(Y.Slice!), own));
        }
        var p = q.Fix(Output, tensors.Count == 1 ? tensors[0] : q.Parameters(Output));
        TypedOperand Int8(TypedOperand operand) => operand.Slice != null
            ? new TypedOperand(q.Slice(operand.Slice), null, operand.Strides)
            : new TypedOperand(null, ((float[])operand.Constant!).Select(v => FixedPoint.Quantize(v, p.Scale, p.ZeroPoint)).ToArray(), operand.Strides);
        return new Select(Source, Shape, Condition, Int8(X), Int8(Y), q.Slice(Output));
    }

    /// <summary>Each int8 value of a tensor quantized by <paramref name="from"/>, dequantized and quantized by <paramref name="to"/>.</summary>
    public static sbyte[] Requantization(QuantizationParameters from, QuantizationParameters to) =>
        LookupInt8.Tabulate(value => value, from.Scale, from.ZeroPoint, to.Scale, to.ZeroPoint);

    public override KernelKind Kind => KernelKind.Select;
    public override IEnumerable<ArenaSlice> Reads => new[] { Condition.Slice, X.Slice, Y.Slice }.Where(s => s != null)!;
    public override int WeightBytes => Condition.ConstantBytes + X.ConstantBytes + Y.ConstantBytes + (XMap?.Length ?? 0) + (YMap?.Length ?? 0) + 4 * 4 * Shape.Length;
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
            case ElementType.Int16: Run<short>(arena); break;
            case ElementType.UInt16: Run<ushort>(arena); break;
            case ElementType.UInt32: Run<uint>(arena); break;
            case ElementType.UInt64: Run<ulong>(arena); break;
            default: Run<bool>(arena); break;
        }
    }

    private void Run<T>(PlanArena arena)
    {
        if (XMap != null)
        {
            SelectRequantized(Condition.Data<bool>(arena), Condition.Strides, X.Data<sbyte>(arena), X.Strides, XMap, Y.Data<sbyte>(arena), Y.Strides, YMap,
                Shape, arena.Of<sbyte>(Output));
            return;
        }
        SelectElements(Condition.Data<bool>(arena), Condition.Strides, X.Data<T>(arena), X.Strides, Y.Data<T>(arena), Y.Strides, Shape, arena.Of<T>(Output));
    }

    // <emit>
    /// <summary>output[i] = condition ? x : y, each read through its broadcast strides (0 along broadcast dimensions).</summary>
    public static void SelectElements<T>(ReadOnlySpan<bool> condition, ReadOnlySpan<int> conditionStrides, ReadOnlySpan<T> x, ReadOnlySpan<int> xStrides,
        ReadOnlySpan<T> y, ReadOnlySpan<int> yStrides, ReadOnlySpan<int> shape, Span<T> output)
    {
        for (int i = 0; i < output.Length; i++)
            output[i] = condition[BroadcastIndex(i, shape, conditionStrides)] ? x[BroadcastIndex(i, shape, xStrides)] : y[BroadcastIndex(i, shape, yStrides)];
    }

    /// <summary>
    /// Where on int8 values of two quantizations: the chosen value goes through its operand's map (value + 128 → the
    /// output's int8 value, decided at bake time).
    /// </summary>
    public static void SelectRequantized(ReadOnlySpan<bool> condition, ReadOnlySpan<int> conditionStrides, ReadOnlySpan<sbyte> x, ReadOnlySpan<int> xStrides,
        ReadOnlySpan<sbyte> xMap, ReadOnlySpan<sbyte> y, ReadOnlySpan<int> yStrides, ReadOnlySpan<sbyte> yMap, ReadOnlySpan<int> shape, Span<sbyte> output)
    {
        for (int i = 0; i < output.Length; i++)
            output[i] = condition[BroadcastIndex(i, shape, conditionStrides)] ? xMap[x[BroadcastIndex(i, shape, xStrides)] + 128] : yMap[y[BroadcastIndex(i, shape, yStrides)] + 128];
    }
    // </emit>

    // <emit Nano>
    // nanoFramework flavour (arrays, offsets, no generics): a method per element type an int8 plan selects.

    /// <summary>output[i] = condition ? x : y on int8 arrays (one quantization, or integer tensors).</summary>
    public static void SelectInt8(bool[] condition, int conditionOffset, int[] conditionStrides, sbyte[] x, int xOffset, int[] xStrides,
        sbyte[] y, int yOffset, int[] yStrides, int[] shape, sbyte[] output, int outputOffset, int outputLength)
    {
        for (int i = 0; i < outputLength; i++)
            output[outputOffset + i] = condition[conditionOffset + BroadcastIndex(i, shape, conditionStrides)]
                ? x[xOffset + BroadcastIndex(i, shape, xStrides)] : y[yOffset + BroadcastIndex(i, shape, yStrides)];
    }

    /// <summary>output[i] = condition ? x : y on uint8 arrays.</summary>
    public static void SelectUInt8(bool[] condition, int conditionOffset, int[] conditionStrides, byte[] x, int xOffset, int[] xStrides,
        byte[] y, int yOffset, int[] yStrides, int[] shape, byte[] output, int outputOffset, int outputLength)
    {
        for (int i = 0; i < outputLength; i++)
            output[outputOffset + i] = condition[conditionOffset + BroadcastIndex(i, shape, conditionStrides)]
                ? x[xOffset + BroadcastIndex(i, shape, xStrides)] : y[yOffset + BroadcastIndex(i, shape, yStrides)];
    }

    /// <summary>output[i] = condition ? x : y on int32 arrays.</summary>
    public static void SelectInt32(bool[] condition, int conditionOffset, int[] conditionStrides, int[] x, int xOffset, int[] xStrides,
        int[] y, int yOffset, int[] yStrides, int[] shape, int[] output, int outputOffset, int outputLength)
    {
        for (int i = 0; i < outputLength; i++)
            output[outputOffset + i] = condition[conditionOffset + BroadcastIndex(i, shape, conditionStrides)]
                ? x[xOffset + BroadcastIndex(i, shape, xStrides)] : y[yOffset + BroadcastIndex(i, shape, yStrides)];
    }

    /// <summary>output[i] = condition ? x : y on int64 arrays.</summary>
    public static void SelectInt64(bool[] condition, int conditionOffset, int[] conditionStrides, long[] x, int xOffset, int[] xStrides,
        long[] y, int yOffset, int[] yStrides, int[] shape, long[] output, int outputOffset, int outputLength)
    {
        for (int i = 0; i < outputLength; i++)
            output[outputOffset + i] = condition[conditionOffset + BroadcastIndex(i, shape, conditionStrides)]
                ? x[xOffset + BroadcastIndex(i, shape, xStrides)] : y[yOffset + BroadcastIndex(i, shape, yStrides)];
    }

    /// <summary>output[i] = condition ? x : y on int16 arrays.</summary>
    public static void SelectInt16(bool[] condition, int conditionOffset, int[] conditionStrides, short[] x, int xOffset, int[] xStrides,
        short[] y, int yOffset, int[] yStrides, int[] shape, short[] output, int outputOffset, int outputLength)
    {
        for (int i = 0; i < outputLength; i++)
            output[outputOffset + i] = condition[conditionOffset + BroadcastIndex(i, shape, conditionStrides)]
                ? x[xOffset + BroadcastIndex(i, shape, xStrides)] : y[yOffset + BroadcastIndex(i, shape, yStrides)];
    }

    /// <summary>output[i] = condition ? x : y on uint16 arrays.</summary>
    public static void SelectUInt16(bool[] condition, int conditionOffset, int[] conditionStrides, ushort[] x, int xOffset, int[] xStrides,
        ushort[] y, int yOffset, int[] yStrides, int[] shape, ushort[] output, int outputOffset, int outputLength)
    {
        for (int i = 0; i < outputLength; i++)
            output[outputOffset + i] = condition[conditionOffset + BroadcastIndex(i, shape, conditionStrides)]
                ? x[xOffset + BroadcastIndex(i, shape, xStrides)] : y[yOffset + BroadcastIndex(i, shape, yStrides)];
    }

    /// <summary>output[i] = condition ? x : y on uint32 arrays.</summary>
    public static void SelectUInt32(bool[] condition, int conditionOffset, int[] conditionStrides, uint[] x, int xOffset, int[] xStrides,
        uint[] y, int yOffset, int[] yStrides, int[] shape, uint[] output, int outputOffset, int outputLength)
    {
        for (int i = 0; i < outputLength; i++)
            output[outputOffset + i] = condition[conditionOffset + BroadcastIndex(i, shape, conditionStrides)]
                ? x[xOffset + BroadcastIndex(i, shape, xStrides)] : y[yOffset + BroadcastIndex(i, shape, yStrides)];
    }

    /// <summary>output[i] = condition ? x : y on uint64 arrays.</summary>
    public static void SelectUInt64(bool[] condition, int conditionOffset, int[] conditionStrides, ulong[] x, int xOffset, int[] xStrides,
        ulong[] y, int yOffset, int[] yStrides, int[] shape, ulong[] output, int outputOffset, int outputLength)
    {
        for (int i = 0; i < outputLength; i++)
            output[outputOffset + i] = condition[conditionOffset + BroadcastIndex(i, shape, conditionStrides)]
                ? x[xOffset + BroadcastIndex(i, shape, xStrides)] : y[yOffset + BroadcastIndex(i, shape, yStrides)];
    }

    /// <summary>output[i] = condition ? x : y on bool arrays.</summary>
    public static void SelectBool(bool[] condition, int conditionOffset, int[] conditionStrides, bool[] x, int xOffset, int[] xStrides,
        bool[] y, int yOffset, int[] yStrides, int[] shape, bool[] output, int outputOffset, int outputLength)
    {
        for (int i = 0; i < outputLength; i++)
            output[outputOffset + i] = condition[conditionOffset + BroadcastIndex(i, shape, conditionStrides)]
                ? x[xOffset + BroadcastIndex(i, shape, xStrides)] : y[yOffset + BroadcastIndex(i, shape, yStrides)];
    }

    /// <summary>Where on int8 values of two quantizations, on arrays: the chosen value goes through its operand's map.</summary>
    public static void SelectRequantized(bool[] condition, int conditionOffset, int[] conditionStrides, sbyte[] x, int xOffset, int[] xStrides,
        sbyte[] xMap, sbyte[] y, int yOffset, int[] yStrides, sbyte[] yMap, int[] shape, sbyte[] output, int outputOffset, int outputLength)
    {
        for (int i = 0; i < outputLength; i++)
            output[outputOffset + i] = condition[conditionOffset + BroadcastIndex(i, shape, conditionStrides)]
                ? xMap[x[xOffset + BroadcastIndex(i, shape, xStrides)] + 128] : yMap[y[yOffset + BroadcastIndex(i, shape, yStrides)] + 128];
    }
    // </emit>

    /// <summary>Integer and bool selections: float ones have no nanoFramework flavour (the target is integer-only).</summary>
    public override IEnumerable<string>? NanoHelpers => Output.Type != ElementType.Float32
        ? new[] { nameof(Select) + "#Nano", nameof(BinaryInteger) + "#NanoBroadcast" }
        : null;

    public override void EmitNanoCall(CodeWriter code, string name) => code.Line(XMap != null
        ? $"SelectRequantized({Condition.NanoArguments(code, name + "Condition")}, {name}ConditionStrides, {X.NanoArguments(code, name + "X")}, {name}XStrides, {name}XMap, " +
          $"{Y.NanoArguments(code, name + "Y")}, {name}YStrides, {name}YMap, {name}Shape, {Output.NanoArguments(code)}, outputLength: {Output.Length});"
        : $"Select{Arenas.MethodSuffix(Output.Type)}({Condition.NanoArguments(code, name + "Condition")}, {name}ConditionStrides, " +
          $"{X.NanoArguments(code, name + "X")}, {name}XStrides, {Y.NanoArguments(code, name + "Y")}, {name}YStrides, {name}Shape, {Output.NanoArguments(code)}, outputLength: {Output.Length});");

    private static int BroadcastIndex(int i, ReadOnlySpan<int> shape, ReadOnlySpan<int> strides) => BinaryInteger.BroadcastIndex(i, shape, strides);

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Ints(Shape);
        Condition.Write(w);
        X.Write(w);
        Y.Write(w);
        w.Slice(Output);
        w.SBytes(XMap ?? Array.Empty<sbyte>());
        w.SBytes(YMap ?? Array.Empty<sbyte>());
    }

    public static Select Read(PlanBinaryReader r, string source)
    {
        var (shape, condition, x, y, output, xMap, yMap) = (r.Ints(), TypedOperand.Read(r), TypedOperand.Read(r), TypedOperand.Read(r), r.Slice(), r.SBytes(), r.SBytes());
        return new(source, shape, condition, x, y, output, xMap.Length == 0 ? null : xMap, yMap.Length == 0 ? null : yMap);
    }

    public override void EmitCall(CodeWriter code, string name) => code.Line(XMap != null
        ? $"SelectRequantized({Condition.Expression(code, name + "Condition")}, {name}ConditionStrides, {X.Expression(code, name + "X")}, {name}XStrides, {name}XMap, " +
          $"{Y.Expression(code, name + "Y")}, {name}YStrides, {name}YMap, {name}Shape, {Output.Expression(code)});"
        : $"SelectElements<{Arenas.CSharpType(Output.Type)}>({Condition.Expression(code, name + "Condition")}, {name}ConditionStrides, " +
          $"{X.Expression(code, name + "X")}, {name}XStrides, {Y.Expression(code, name + "Y")}, {name}YStrides, {name}Shape, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name)
    {
        EmitArrays.Ints(code, $"{name}Shape", Shape, "output shape");
        Condition.EmitData(code, $"{name}Condition", "the condition");
        X.EmitData(code, $"{name}X", "x (where the condition holds)");
        Y.EmitData(code, $"{name}Y", "y (where it does not)");
        if (XMap == null) return;
        EmitArrays.SBytes(code, $"{name}XMap", XMap, "x's int8 value + 128 → the output's");
        EmitArrays.SBytes(code, $"{name}YMap", YMap!, "y's int8 value + 128 → the output's");
    }
}
