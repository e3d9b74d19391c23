using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Encodings;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;
using static ModelBaker.Core.Encodings.RowDot;
using static ModelBaker.Core.Kernels.Int8Dot;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// What the integer LSTM, GRU and RNN share — one scheme, after TensorFlow Lite Micro's integer LSTM ("8x8_16",
/// docs/compression.md): X and the hidden state the matrices multiply are int8 (the hidden state with the parameters of
/// the layer's workspace, Y's, from calibration); W and R int8 with one scale per gate row (<see cref="RecurrentGates"/>);
/// each gate's pre-activation W·x and R·h rescaled to Q3.12 and added, bounded by clip; sigmoid and tanh in Q0.15 from
/// one 257-entry table; a state that is carried from step to step (LSTM's cell state, GRU's hidden state) kept in int16
/// at a power-of-two scale from its calibrated range. Integer-only, so the interpreter, .NET and nanoFramework agree
/// bit for bit; every layer writes its float form's workspace in int8 and keeps its scratch there.
/// </summary>
public abstract class RecurrentInt8 : Int8Kernel
{
    /// <summary>Fraction bits of the gate pre-activations (Q3.12: ±8, past which sigmoid and tanh are flat to 2⁻¹¹).</summary>
    public const int GateFractionBits = 12;
    /// <summary>An int16 state's fraction bits lie in 5 … 15: |state| up to 1024 (a larger calibrated state saturates there).</summary>
    public const int MinStateBits = 5, MaxStateBits = 15;

    /// <summary>Whether a recurrent layer has an integer form: every direction uses its cell's default activations.</summary>
    public static bool Takes(RecurrentCell cell, int[] activations)
    {
        var defaults = cell == RecurrentCell.Lstm ? new[] { RecurrentActivation.Sigmoid, RecurrentActivation.Tanh, RecurrentActivation.Tanh }
            : cell == RecurrentCell.Gru ? new[] { RecurrentActivation.Sigmoid, RecurrentActivation.Tanh }
            : new[] { RecurrentActivation.Tanh };
        for (int i = 0; i < activations.Length; i++)
            if (activations[i] != (int)defaults[i % defaults.Length]) return false;
        return true;
    }

    /// <summary>The integer form of a layer that <see cref="Takes"/>.</summary>
    public static RecurrentInt8 From(RecurrentFloat layer, QuantizationContext q)
    {
        if (!Takes(layer.Cell, layer.Activations))
            throw new InvalidOperationException($"{layer.Source}: only a recurrent layer with its default activations has an integer form.");
        return layer.Cell switch
        {
            RecurrentCell.Lstm => LstmInt8.From(layer, q),
            RecurrentCell.Gru => GruInt8.From(layer, q),
            _ => RnnInt8.From(layer, q),
        };
    }

    protected RecurrentInt8(string source, RecurrentInt8Parts parts) : base(source)
    {
        if (!parts.Gates.Fits(parts.Directions * GateCount * parts.Hidden, parts.InputSize, parts.Hidden) || parts.Rescales.Length != RescaleCount
            || parts.Output.Length < (parts.Sequence + 1) * parts.Directions * parts.Batch * parts.Hidden + ScratchBytes(parts.Directions * parts.Batch * parts.Hidden, parts.Hidden))
            throw new ArgumentException("Weights, requantization or workspace do not fit the layer.");
        Parts = parts;
    }

    /// <summary>The parts of <paramref name="layer"/>'s integer form: its slices, sizes and clip with what the cell computed.</summary>
    protected static RecurrentInt8Parts PartsOf(RecurrentFloat layer, QuantizationContext q, Operand<sbyte>? initialH, RecurrentGates gates,
        int[] rescales, int zeroPoint) =>
        new(q.Slice(layer.Input), q.Slice(layer.Output), layer.SequenceLengths, initialH, layer.Sequence, layer.Batch, layer.InputSize,
            layer.Hidden, layer.Direction, layer.Layout, gates, rescales, GateClip(layer.Clip), zeroPoint);

    /// <summary>What every integer recurrent layer has (the common prefix of their plan payloads).</summary>
    public RecurrentInt8Parts Parts { get; }

    /// <summary>X, int8: [sequence, batch, input] (layout 0) or [batch, sequence, input] (layout 1).</summary>
    public ArenaSlice Input => Parts.Input;
    /// <summary>The int8 workspace: Y, Y_h, then what the layer keeps after them (<see cref="ScratchBytes"/>).</summary>
    public override ArenaSlice Output => Parts.Output;
    public Operand<int>? SequenceLengths => Parts.SequenceLengths;
    /// <summary>The initial hidden state in int8 with parameters of its own (in <see cref="Rescales"/>), or null: zeros.</summary>
    public Operand<sbyte>? InitialH => Parts.InitialH;
    public int Sequence => Parts.Sequence;
    public int Batch => Parts.Batch;
    public int InputSize => Parts.InputSize;
    public int Hidden => Parts.Hidden;
    public int Direction => Parts.Direction;
    public int Layout => Parts.Layout;
    /// <summary>W, R, their biases and the requantization of each gate row's W·x and R·h to Q3.12.</summary>
    public RecurrentGates Gates => Parts.Gates;
    /// <summary>Multipliers, shifts and zero points of the layer's other rescalings (each kernel says which).</summary>
    public int[] Rescales => Parts.Rescales;
    /// <summary>ONNX's clip in Q3.12 (32767 when the node has none): the bound on every gate's pre-activation.</summary>
    public int Clip => Parts.Clip;
    /// <summary>The workspace's zero point (Y, Y_h and the hidden state it carries).</summary>
    public int ZeroPoint => Parts.ZeroPoint;

    public int Directions => Direction == 2 ? 2 : 1;
    public sbyte[] Weights => Gates.Weights;
    public sbyte[] Recurrence => Gates.Recurrence;
    public int[] InputBias => Gates.InputBias;

    protected abstract int GateCount { get; }
    protected abstract int RescaleCount { get; }
    /// <summary>Bytes of the workspace after Y and Y_h that the layer writes (<paramref name="state"/>: units of Y_h).</summary>
    protected abstract int ScratchBytes(int state, int hidden);

    /// <summary>Y and Y_h, the hidden states; what follows them (LSTM's Y_c, the scratch) is not compared.</summary>
    public override int ResultLength => (Sequence + 1) * Directions * Batch * Hidden;

    public override IEnumerable<ArenaSlice> Reads =>
        new[] { Input, SequenceLengths?.Slice, InitialH?.Slice }.Concat(MoreReads).Where(s => s != null).Select(s => s!);

    protected virtual IEnumerable<ArenaSlice?> MoreReads => Array.Empty<ArenaSlice?>();

    public override int WeightBytes =>
        Gates.Bytes + 4 * (Rescales.Length + (SequenceLengths?.Constant?.Length ?? 0)) + (InitialH?.Constant?.Length ?? 0) + 2 * RecurrentTanhTable.Length;

    public override int Parameters => Weights.Length + Recurrence.Length;
    public override int ZeroParameters => Weights.Count(w => w == 0) + Recurrence.Count(w => w == 0);
    public override IEnumerable<string> Helpers => new[] { GetType().Name, nameof(RecurrentInt8), nameof(RecurrentInt8) + "#Fixed", nameof(Int8Dot) };
    public override IEnumerable<string> NanoHelpers =>
        new[] { GetType().Name + "#Nano", nameof(RecurrentInt8) + "#Nano", nameof(RecurrentInt8) + "#Fixed", nameof(RowDot) + "#Nano" };

    protected static ReadOnlySpan<T> Data<T>(Operand<T>? operand, PlanArena arena) =>
        operand == null ? default : operand.Constant ?? (ReadOnlySpan<T>)arena.Of<T>(operand.Slice!);

    // Calibration pieces.

    /// <summary>
    /// The workspace's parameters: fixed already, or covering every hidden state the float layer computed, the initial
    /// hidden state's range and <paramref name="more"/> (LSTM's cell state when the graph reads Y_c).
    /// </summary>
    protected static QuantizationParameters HiddenParameters(RecurrentFloat layer, QuantizationContext q, (float, float)? more = null)
    {
        if (q.HasParameters(layer.Output)) return q.Parameters(layer.Output);
        var (low, high) = Widen(Widen(Widen((0f, 0f), q.Range(layer.HiddenStates)), StateRange(layer.InitialH, q)), more);
        return q.Fix(layer.Output, QuantizationParameters.FromRange(low, high));
    }

    /// <summary>The hull of a range and an optional other.</summary>
    protected static (float, float) Widen((float, float) range, (float, float)? other) =>
        other is { } o ? (Math.Min(range.Item1, o.Item1), Math.Max(range.Item2, o.Item2)) : range;

    /// <summary>The fraction bits of an int16 state: the most (≤ 15) whose scale 2^−bits holds <paramref name="largest"/> |value|.</summary>
    protected static int FractionBitsFor(double largest)
    {
        int integerBits = 0;
        while (integerBits < MaxStateBits - MinStateBits && (1 << integerBits) < largest) integerBits++;
        return MaxStateBits - integerBits;
    }

    /// <summary>The range of an initial state: its calibrated range, or its values when constant; null when omitted.</summary>
    protected static (float, float)? StateRange(Operand<float>? state, QuantizationContext q)
    {
        if (state == null) return null;
        if (state.Slice != null) return q.Range(state.Slice);
        return (state.Constant!.Min(), state.Constant!.Max());
    }

    /// <summary>An initial state in int8: the int8 tensor with its parameters, or the constant quantized with parameters of its own range.</summary>
    protected static (Operand<sbyte>?, QuantizationParameters) State(Operand<float>? state, QuantizationContext q)
    {
        if (state == null) return (null, default);
        if (state.Slice != null) return (new Operand<sbyte>(q.Slice(state.Slice), null, Array.Empty<int>()), q.Parameters(state.Slice));
        var p = QuantizationParameters.FromRange(state.Constant!.Min(), state.Constant!.Max());
        return (new Operand<sbyte>(null, state.Constant!.Select(v => FixedPoint.Quantize(v, p.Scale, p.ZeroPoint)).ToArray(), Array.Empty<int>()), p);
    }

    /// <summary>
    /// Writes the zero point, multiplier and shift taking an initial state (int8, <paramref name="from"/>) to a scale
    /// <paramref name="to"/> into rescales[at … at + 2]; zeros when the state is omitted.
    /// </summary>
    protected static void InitialRescale(int[] rescales, int at, Operand<sbyte>? state, QuantizationParameters from, double to)
    {
        if (state == null) return;
        rescales[at] = from.ZeroPoint;
        (rescales[at + 1], rescales[at + 2]) = FixedPoint.QuantizeMultiplier(from.Scale / to);
    }

    /// <summary>ONNX's clip in Q3.12, 32767 when the node has none.</summary>
    protected static int GateClip(float clip) =>
        float.IsPositiveInfinity(clip) ? short.MaxValue : (int)Math.Min(short.MaxValue, Math.Round(clip * (1 << GateFractionBits)));

    // Plan file and generated code pieces.

    /// <summary>An optional operand as an argument: its slice, its constant array, or nothing (.NET: default; nanoFramework: null, 0).</summary>
    protected static string Argument<T>(CodeWriter code, Operand<T>? operand, string constantName, bool nano) =>
        operand == null ? nano ? "null, 0" : "default"
        : operand.Slice != null ? nano ? operand.Slice.NanoArguments(code) : operand.Slice.Expression(code)
        : nano ? constantName + ", 0" : constantName;

    /// <summary>A slice as an argument: a span (.NET) or an array and offset (nanoFramework).</summary>
    protected static string Argument(CodeWriter code, ArenaSlice slice, bool nano) => nano ? slice.NanoArguments(code) : slice.Expression(code);

    /// <summary>The arguments every layer function starts and ends its shared part with.</summary>
    protected string Shape => $"sequence: {Sequence}, batch: {Batch}, inputSize: {InputSize}, hidden: {Hidden}, direction: {Direction}, layout: {Layout}";

    protected string DirectionText => Direction == 2 ? "bidirectional" : Direction == 1 ? "reverse" : "forward";

    public override void EmitCall(CodeWriter code, string name) => Emit(code, name, nano: false);

    public override void EmitNanoCall(CodeWriter code, string name) => Emit(code, name, nano: true);

    protected abstract void Emit(CodeWriter code, string name, bool nano);

    /// <summary>The gates, the rescalings, constant sequence lengths and initial hidden state.</summary>
    public override void EmitData(CodeWriter code, string name)
    {
        Gates.EmitData(code, name, Directions, InputSize, Hidden, GateNames);
        EmitArrays.Ints(code, $"{name}Rescales", Rescales, RescalesText);
        if (SequenceLengths?.Constant is { } lengths) EmitArrays.Ints(code, $"{name}SequenceLengths", lengths, "sequence length per batch entry");
        if (InitialH?.Constant is { } h) EmitArrays.SBytes(code, $"{name}InitialH", h, "initial hidden state in int8 (its parameters in Rescales)");
    }

    /// <summary>The gates' order in W and R, "(i, o, f, c)".</summary>
    protected abstract string GateNames { get; }
    protected abstract string RescalesText { get; }

    // <emit>
    /// <summary>
    /// One side of gate row <paramref name="row"/>'s pre-activation: (bias + the row of <paramref name="matrix"/> ·
    /// <paramref name="vector"/>) rescaled to Q3.12 by the row's Q31 multiplier and shift.
    /// </summary>
    public static long RecurrentGateSide(ReadOnlySpan<sbyte> matrix, ReadOnlySpan<sbyte> vector, int row, ReadOnlySpan<int> bias,
        ReadOnlySpan<int> multipliers, ReadOnlySpan<int> shifts) =>
        RecurrentScale(bias[row] + (long)Dot(matrix.Slice(row * vector.Length, vector.Length), vector), multipliers[row], shifts[row]);

    /// <summary>Unit <paramref name="j"/> of an int16 vector kept in int8 scratch, two bytes per unit, low byte first.</summary>
    public static int RecurrentInt16(ReadOnlySpan<sbyte> bytes, int j) => (bytes[2 * j] & 255) | (bytes[2 * j + 1] << 8);

    public static void RecurrentSetInt16(Span<sbyte> bytes, int j, int value)
    {
        bytes[2 * j] = (sbyte)(value & 255);
        bytes[2 * j + 1] = (sbyte)(value >> 8);
    }
    // </emit>

    // <emit Nano>
    /// <summary>One side of a gate row's pre-activation on arrays (see the .NET flavour); RowDot's dot product, four products a step.</summary>
    public static long RecurrentGateSide(sbyte[] matrix, sbyte[] vector, int vectorOffset, int depth, int row, int[] bias, int[] multipliers, int[] shifts) =>
        RecurrentScale(bias[row] + (long)Dot(matrix, row * depth, vector, vectorOffset, depth), multipliers[row], shifts[row]);

    /// <summary>Unit <paramref name="j"/> of an int16 vector kept in int8 scratch from <paramref name="start"/>, low byte first.</summary>
    public static int RecurrentInt16(sbyte[] bytes, int start, int j) => (bytes[start + 2 * j] & 255) | (bytes[start + 2 * j + 1] << 8);

    public static void RecurrentSetInt16(sbyte[] bytes, int start, int j, int value)
    {
        bytes[start + 2 * j] = (sbyte)(value & 255);
        bytes[start + 2 * j + 1] = (sbyte)(value >> 8);
    }
    // </emit>

    // Both flavours use this block (plain integers and arrays: no spans, no System.Math).
    // <emit Fixed>
    /// <summary>round(tanh(k / 32) · 2^15) for k = 0 … 256 (tanh on [0, 8] in Q0.15, saturated at 32767).</summary>
    public static readonly short[] RecurrentTanhTable =
    {
        0, 1024, 2045, 3063, 4075, 5079, 6073, 7056, 8025, 8980, 9919, 10840, 11743, 12625, 13486, 14326,
        15143, 15936, 16706, 17452, 18173, 18870, 19542, 20189, 20813, 21411, 21986, 22538, 23066, 23571, 24054, 24516,
        24956, 25376, 25776, 26157, 26519, 26864, 27191, 27502, 27797, 28076, 28341, 28592, 28830, 29055, 29268, 29470,
        29660, 29840, 30010, 30170, 30322, 30465, 30600, 30727, 30847, 30960, 31067, 31167, 31262, 31351, 31435, 31515,
        31589, 31659, 31726, 31788, 31846, 31901, 31953, 32002, 32048, 32091, 32132, 32170, 32206, 32240, 32271, 32301,
        32329, 32356, 32381, 32404, 32426, 32447, 32466, 32484, 32501, 32517, 32532, 32547, 32560, 32573, 32584, 32596,
        32606, 32616, 32625, 32634, 32642, 32649, 32657, 32663, 32670, 32676, 32681, 32686, 32691, 32696, 32700, 32704,
        32708, 32712, 32715, 32718, 32721, 32724, 32727, 32729, 32732, 32734, 32736, 32738, 32740, 32741, 32743, 32745,
        32746, 32747, 32749, 32750, 32751, 32752, 32753, 32754, 32755, 32755, 32756, 32757, 32758, 32758, 32759, 32759,
        32760, 32760, 32761, 32761, 32762, 32762, 32762, 32763, 32763, 32763, 32764, 32764, 32764, 32764, 32765, 32765,
        32765, 32765, 32765, 32766, 32766, 32766, 32766, 32766, 32766, 32766, 32766, 32767, 32767, 32767, 32767, 32767,
        32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767,
        32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767,
        32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767,
        32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767,
        32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767, 32767,
        32767,
    };

    /// <summary>
    /// tanh(value / 2^bits) in Q0.15 (bits ≥ 5): the table at steps of 1/32, interpolated linearly, rounded; odd.
    /// Interpolation error ≤ 3 · 2⁻¹⁵.
    /// </summary>
    public static int RecurrentTanh(int value, int bits)
    {
        int magnitude = value < 0 ? -value : value, fractionBits = bits - 5;
        int index = magnitude >> fractionBits, result;
        if (index >= 256) result = 32767;
        else
        {
            int low = RecurrentTanhTable[index], fraction = magnitude & ((1 << fractionBits) - 1);
            result = low + (((RecurrentTanhTable[index + 1] - low) * fraction + ((1 << fractionBits) >> 1)) >> fractionBits);
        }
        return value < 0 ? -result : result;
    }

    /// <summary>sigmoid(x) = (1 + tanh(x / 2)) / 2 in Q0.15, for x in Q3.12: 0 … 32767.</summary>
    public static int RecurrentSigmoid(int x) => (32768 + RecurrentTanh(x, 13)) >> 1;

    /// <summary>value · multiplier · 2^(shift − 31), rounded half up (a Q31 multiplier from QuantizeMultiplier; shift ≤ 30).</summary>
    public static long RecurrentScale(long value, int multiplier, int shift)
    {
        int right = 31 - shift;
        return (value * multiplier + (1L << (right - 1))) >> right;
    }

    /// <summary>value clamped to [low, high].</summary>
    public static int RecurrentClamp(long value, int low, int high) => value < low ? low : value > high ? high : (int)value;

    /// <summary>
    /// keep · state + add · candidate for an int16 state at 2^−bits, keep and add in Q0.15, candidate (a tanh) in Q0.15:
    /// each product rounded to the state's scale, the sum saturated to int16. LSTM's c' = f·c + i·g, GRU's
    /// h' = z·h + (1 − z)·h̃.
    /// </summary>
    public static int RecurrentBlend(int keep, int state, int add, int candidate, int bits) =>
        RecurrentClamp(((keep * state + (1 << 14)) >> 15) + ((add * candidate + (1 << (29 - bits))) >> (30 - bits)), -32768, 32767);
    // </emit>
}

/// <summary>
/// The gate rows of an integer recurrent layer: W and R in int8, [directions, gates · hidden rows, input or hidden],
/// symmetric with one scale per row; per row an int32 bias on each side (the zero points of X and of the hidden state
/// folded in) and the Q31 multiplier and shift taking each side's sum to Q3.12.
/// </summary>
public sealed class RecurrentGates
{
    public RecurrentGates(sbyte[] weights, sbyte[] recurrence, int[] inputBias, int[] recurrentBias,
        int[] inputMultipliers, int[] inputShifts, int[] recurrentMultipliers, int[] recurrentShifts)
    {
        Weights = weights;
        Recurrence = recurrence;
        InputBias = inputBias;
        RecurrentBias = recurrentBias;
        InputMultipliers = inputMultipliers;
        InputShifts = inputShifts;
        RecurrentMultipliers = recurrentMultipliers;
        RecurrentShifts = recurrentShifts;
    }

    public sbyte[] Weights { get; }
    public sbyte[] Recurrence { get; }
    /// <summary>Per row: the bias at the input side's scale (Wb, plus Rb unless the row keeps it on the recurrent side), minus X's zero point times Σ W.</summary>
    public int[] InputBias { get; }
    /// <summary>Per row: Rb when the row keeps it on the recurrent side, minus the hidden state's zero point times Σ R.</summary>
    public int[] RecurrentBias { get; }
    public int[] InputMultipliers { get; }
    public int[] InputShifts { get; }
    public int[] RecurrentMultipliers { get; }
    public int[] RecurrentShifts { get; }

    public int Bytes => Weights.Length + Recurrence.Length + 4 * 6 * InputBias.Length;

    public bool Fits(int rows, int inputSize, int hidden) =>
        Weights.Length == rows * inputSize && Recurrence.Length == rows * hidden && InputBias.Length == rows && RecurrentBias.Length == rows
        && InputMultipliers.Length == rows && InputShifts.Length == rows && RecurrentMultipliers.Length == rows && RecurrentShifts.Length == rows;

    /// <summary>
    /// The gate rows of <paramref name="layer"/> with X at <paramref name="x"/> and the hidden state at
    /// <paramref name="h"/>; a row whose local index (within its direction) satisfies <paramref name="recurrentSideBias"/>
    /// keeps Rb on the recurrent side (GRU's h gate with linear_before_reset, which the reset gate multiplies).
    /// </summary>
    public static RecurrentGates Quantize(RecurrentFloat layer, QuantizationParameters x, QuantizationParameters h, Func<int, bool>? recurrentSideBias = null)
    {
        int perDirection = RecurrentFloat.GateCount(layer.Cell) * layer.Hidden, rows = layer.Directions * perDirection, hidden = layer.Hidden;
        double gateScale = Math.Pow(2, -RecurrentInt8.GateFractionBits);
        var (weights, weightScales) = QuantizeRows(layer.Weights, rows, layer.InputSize);
        var (recurrence, recurrenceScales) = QuantizeRows(layer.Recurrence, rows, hidden);
        var inputBias = new int[rows];
        var recurrentBias = new int[rows];
        var inputMultipliers = new int[rows];
        var inputShifts = new int[rows];
        var recurrentMultipliers = new int[rows];
        var recurrentShifts = new int[rows];
        for (int row = 0; row < rows; row++)
        {
            int d = row / perDirection, local = row % perDirection;
            double inputScale = x.Scale * weightScales[row], recurrentScale = h.Scale * recurrenceScales[row];
            double wb = layer.Bias[2 * d * perDirection + local], rb = layer.Bias[(2 * d + 1) * perDirection + local];
            bool apart = recurrentSideBias?.Invoke(local) ?? false;
            long sumW = 0, sumR = 0;
            for (int k = 0; k < layer.InputSize; k++) sumW += weights[row * layer.InputSize + k];
            for (int k = 0; k < hidden; k++) sumR += recurrence[row * hidden + k];
            inputBias[row] = QuantizationParameters.SaturateInt32(Math.Round((apart ? wb : wb + rb) / inputScale) - (double)x.ZeroPoint * sumW);
            recurrentBias[row] = QuantizationParameters.SaturateInt32((apart ? Math.Round(rb / recurrentScale) : 0) - (double)h.ZeroPoint * sumR);
            (inputMultipliers[row], inputShifts[row]) = FixedPoint.QuantizeMultiplier(inputScale / gateScale);
            (recurrentMultipliers[row], recurrentShifts[row]) = FixedPoint.QuantizeMultiplier(recurrentScale / gateScale);
        }
        return new RecurrentGates(weights, recurrence, inputBias, recurrentBias, inputMultipliers, inputShifts, recurrentMultipliers, recurrentShifts);
    }

    /// <summary>Rows of a float matrix in int8, symmetric, one scale per row (max |w| / 127).</summary>
    private static (sbyte[] Values, double[] Scales) QuantizeRows(float[] matrix, int rows, int depth)
    {
        var values = new sbyte[matrix.Length];
        var scales = new double[rows];
        for (int row = 0; row < rows; row++)
        {
            float largest = 0f;
            for (int k = 0; k < depth; k++) largest = Math.Max(largest, Math.Abs(matrix[row * depth + k]));
            scales[row] = QuantizationParameters.WeightScale(largest);
            for (int k = 0; k < depth; k++)
                values[row * depth + k] = QuantizationParameters.QuantizeWeight(matrix[row * depth + k], scales[row]);
        }
        return (values, scales);
    }

    public void Write(PlanBinaryWriter w)
    {
        w.SBytes(Weights); w.SBytes(Recurrence); w.Ints(InputBias); w.Ints(RecurrentBias);
        w.Ints(InputMultipliers); w.Ints(InputShifts); w.Ints(RecurrentMultipliers); w.Ints(RecurrentShifts);
    }

    public static RecurrentGates Read(PlanBinaryReader r)
    {
        sbyte[] weights = r.SBytes(), recurrence = r.SBytes();
        int[] inputBias = r.Ints(), recurrentBias = r.Ints(), inputMultipliers = r.Ints(), inputShifts = r.Ints(),
            recurrentMultipliers = r.Ints(), recurrentShifts = r.Ints();
        return new RecurrentGates(weights, recurrence, inputBias, recurrentBias, inputMultipliers, inputShifts, recurrentMultipliers, recurrentShifts);
    }

    /// <summary>The arguments naming the arrays <see cref="EmitData"/> writes, in the layer functions' order.</summary>
    public static string Arguments(string name) =>
        $"{name}Weights, {name}Recurrence, {name}InputBias, {name}RecurrentBias, {name}InputMultipliers, {name}InputShifts, " +
        $"{name}RecurrentMultipliers, {name}RecurrentShifts";

    public void EmitData(CodeWriter code, string name, int directions, int inputSize, int hidden, string gateNames)
    {
        int rows = InputBias.Length / directions;
        EmitArrays.SBytes(code, $"{name}Weights", Weights, $"W in int8 [{directions} directions × {rows} gate rows {gateNames} × {inputSize}], one scale per row");
        EmitArrays.SBytes(code, $"{name}Recurrence", Recurrence, $"R in int8 [{directions} directions × {rows} gate rows × {hidden}], one scale per row");
        EmitArrays.Ints(code, $"{name}InputBias", InputBias, "per gate row: the input side's bias, X's zero point folded in");
        EmitArrays.Ints(code, $"{name}RecurrentBias", RecurrentBias, "per gate row: the recurrent side's bias, the hidden state's zero point folded in");
        EmitArrays.Ints(code, $"{name}InputMultipliers", InputMultipliers, "per gate row: W·x to Q3.12, Q31 multiplier");
        EmitArrays.Ints(code, $"{name}InputShifts", InputShifts, "per gate row: W·x to Q3.12, shift");
        EmitArrays.Ints(code, $"{name}RecurrentMultipliers", RecurrentMultipliers, "per gate row: R·h to Q3.12, Q31 multiplier");
        EmitArrays.Ints(code, $"{name}RecurrentShifts", RecurrentShifts, "per gate row: R·h to Q3.12, shift");
    }
}

/// <summary>
/// What every integer recurrent layer has — its slices, optional sequence lengths and initial hidden state, sizes, gate
/// weights, other rescalings, clip and workspace zero point — written once as the common prefix of their plan payloads.
/// </summary>
public sealed record RecurrentInt8Parts(ArenaSlice Input, ArenaSlice Output, Operand<int>? SequenceLengths, Operand<sbyte>? InitialH,
    int Sequence, int Batch, int InputSize, int Hidden, int Direction, int Layout, RecurrentGates Gates, int[] Rescales, int Clip, int ZeroPoint)
{
    public int Directions => Direction == 2 ? 2 : 1;

    public void Write(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output);
        w.OptionalOperand(SequenceLengths, w.Ints); w.OptionalOperand(InitialH, w.SBytes);
        w.Int(Sequence); w.Int(Batch); w.Int(InputSize); w.Int(Hidden); w.Int(Direction); w.Int(Layout);
        Gates.Write(w);
        w.Ints(Rescales); w.Int(Clip); w.Int(ZeroPoint);
    }

    public static RecurrentInt8Parts Read(PlanBinaryReader r) =>
        new(r.Slice(), r.Slice(), r.OptionalOperand(r.Ints), r.OptionalOperand(r.SBytes), r.Int(), r.Int(), r.Int(), r.Int(), r.Int(), r.Int(),
            RecurrentGates.Read(r), r.Ints(), r.Int(), r.Int());
}
