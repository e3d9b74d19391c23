using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;
using static ModelBaker.Core.Kernels.Int8Dot;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// An integer LSTM layer (activations Sigmoid, Tanh, Tanh), after TensorFlow Lite Micro's integer LSTM (the "8x8_16"
/// scheme, docs/compression.md): X and the hidden state int8 (the hidden state with the parameters of Y, from
/// calibration), W and R int8 with one scale per gate row and int32 biases, each gate's pre-activation W·x + R·h + b
/// (+ peephole · c, int16 peepholes) rescaled to Q3.12, sigmoid and tanh in Q0.15 from one 257-entry tanh table with
/// linear interpolation, the cell state int16 with a power-of-two scale (2^−cellBits) chosen from its calibrated range,
/// h = o · tanh(c) requantized to int8. Integer-only: the interpreter, .NET and nanoFramework agree bit for bit.
/// It writes the workspace of its float form in int8, with one parameter set: Y, Y_h, Y_c (the cell state at that
/// scale), then the int16 cell state of the batch entry being run, two bytes per unit, low byte first.
/// </summary>
public sealed class LstmInt8 : Int8Kernel
{
    /// <summary>Fraction bits of the gate pre-activations (Q3.12: ±8, past which sigmoid and tanh are flat to 2⁻¹¹).</summary>
    public const int GateFractionBits = 12;
    /// <summary>The cell state's fraction bits lie in 5 … 15: |c| up to 1024 (a larger calibrated cell state saturates there).</summary>
    public const int MinCellBits = 5, MaxCellBits = 15;

    /// <summary>Whether a recurrent layer has this integer form: an LSTM whose every direction uses Sigmoid, Tanh, Tanh.</summary>
    public static bool Takes(RecurrentCell cell, int[] activations)
    {
        if (cell != RecurrentCell.Lstm) return false;
        for (int i = 0; i < activations.Length; i++)
            if (activations[i] != (int)(i % 3 == 0 ? RecurrentActivation.Sigmoid : RecurrentActivation.Tanh)) return false;
        return true;
    }

    public LstmInt8(string source, ArenaSlice input, ArenaSlice output, Operand<int>? sequenceLengths, Operand<sbyte>? initialH, Operand<sbyte>? initialC,
        int sequence, int batch, int inputSize, int hidden, int direction, int layout,
        sbyte[] weights, sbyte[] recurrence, int[] inputBias, int[] recurrentBias,
        int[] inputMultipliers, int[] inputShifts, int[] recurrentMultipliers, int[] recurrentShifts,
        int[] peepholes, int[] peepholeMultipliers, int[] peepholeShifts, int[] rescales,
        int clip, bool inputForget, int cellBits, int zeroPoint) : base(source)
    {
        int directions = direction == 2 ? 2 : 1, rows = directions * 4 * hidden, state = directions * batch * hidden;
        if (weights.Length != rows * inputSize || recurrence.Length != rows * hidden || inputBias.Length != rows || recurrentBias.Length != rows
            || inputMultipliers.Length != rows || inputShifts.Length != rows || recurrentMultipliers.Length != rows || recurrentShifts.Length != rows
            || (peepholes.Length != 0 && (peepholes.Length != directions * 3 * hidden || peepholeMultipliers.Length != directions * 3 || peepholeShifts.Length != directions * 3))
            || rescales.Length != 10 || cellBits < MinCellBits || cellBits > MaxCellBits || output.Length < (sequence + 2) * state + 2 * hidden)
            throw new ArgumentException("Weights, requantization or workspace do not fit the layer.");
        Input = input;
        Output = output;
        SequenceLengths = sequenceLengths;
        InitialH = initialH;
        InitialC = initialC;
        Sequence = sequence;
        Batch = batch;
        InputSize = inputSize;
        Hidden = hidden;
        Direction = direction;
        Layout = layout;
        Weights = weights;
        Recurrence = recurrence;
        InputBias = inputBias;
        RecurrentBias = recurrentBias;
        InputMultipliers = inputMultipliers;
        InputShifts = inputShifts;
        RecurrentMultipliers = recurrentMultipliers;
        RecurrentShifts = recurrentShifts;
        Peepholes = peepholes;
        PeepholeMultipliers = peepholeMultipliers;
        PeepholeShifts = peepholeShifts;
        Rescales = rescales;
        Clip = clip;
        InputForget = inputForget;
        CellBits = cellBits;
        ZeroPoint = zeroPoint;
    }

    /// <summary>X, int8: [sequence, batch, input] (layout 0) or [batch, sequence, input] (layout 1).</summary>
    public ArenaSlice Input { get; }
    /// <summary>The int8 workspace: Y, Y_h, Y_c, then the int16 cell state of one batch entry.</summary>
    public override ArenaSlice Output { get; }
    public Operand<int>? SequenceLengths { get; }
    /// <summary>The initial hidden and cell states in int8 with parameters of their own (<see cref="Rescales"/>), or null: zeros.</summary>
    public Operand<sbyte>? InitialH { get; }
    public Operand<sbyte>? InitialC { get; }
    public int Sequence { get; }
    public int Batch { get; }
    public int InputSize { get; }
    public int Hidden { get; }
    public int Direction { get; }
    public int Layout { get; }
    /// <summary>W and R in int8, [directions, 4 · hidden gate rows (i, o, f, c), input or hidden], one scale per row.</summary>
    public sbyte[] Weights { get; }
    public sbyte[] Recurrence { get; }
    /// <summary>Per gate row: (Wb + Rb) at the input side's scale, minus the X zero point times the row's Σ W.</summary>
    public int[] InputBias { get; }
    /// <summary>Per gate row: minus the hidden state's zero point times the row's Σ R.</summary>
    public int[] RecurrentBias { get; }
    /// <summary>Per gate row: Q31 multipliers and shifts taking W·x (scale input · weight) and R·h to Q3.12.</summary>
    public int[] InputMultipliers { get; }
    public int[] InputShifts { get; }
    public int[] RecurrentMultipliers { get; }
    public int[] RecurrentShifts { get; }
    /// <summary>P in int16 [directions, (i, o, f) × hidden] and, per direction and gate, the multiplier and shift of P · c to Q3.12; empty without peepholes.</summary>
    public int[] Peepholes { get; }
    public int[] PeepholeMultipliers { get; }
    public int[] PeepholeShifts { get; }
    /// <summary>
    /// Multiplier and shift pairs: [0, 1] o · tanh(c) (Q0.30) to the workspace's int8, [2, 3] the cell state to Y_c's int8;
    /// then zero point, multiplier, shift of [4 … 6] the initial hidden state into the workspace's int8 and [7 … 9] the
    /// initial cell state into the int16 cell state.
    /// </summary>
    public int[] Rescales { get; }
    /// <summary>ONNX's clip in Q3.12 (32767 when the node has none): the bound on every gate's pre-activation.</summary>
    public int Clip { get; }
    public bool InputForget { get; }
    /// <summary>The cell state is int16 at scale 2^−CellBits.</summary>
    public int CellBits { get; }
    /// <summary>The workspace's zero point (Y, Y_h, Y_c and the hidden state it carries).</summary>
    public int ZeroPoint { get; }

    public int Directions => Direction == 2 ? 2 : 1;

    /// <summary>
    /// The integer form of <paramref name="layer"/> (an LSTM that <see cref="Takes"/>): the workspace's parameters cover
    /// every hidden state (Y's calibrated range, and the initial hidden state's) and, when the graph reads Y_c, the cell
    /// state's; the cell state's scale is the smallest power of two that holds its calibrated range.
    /// </summary>
    public static LstmInt8 From(RecurrentFloat layer, QuantizationContext q)
    {
        if (!Takes(layer.Cell, layer.Activations))
            throw new InvalidOperationException($"{layer.Source}: only an LSTM with activations Sigmoid, Tanh, Tanh has an integer form.");
        var x = q.Parameters(layer.Input);
        float low = 0f, high = 0f;
        void Widen((float Min, float Max)? range)
        {
            if (range is not { } r) return;
            low = Math.Min(low, r.Min);
            high = Math.Max(high, r.Max);
        }
        Widen(q.Range(layer.HiddenStates));
        Widen(StateRange(layer.InitialH, q));
        var cellRange = q.Range(layer.CellStates) ?? (0f, 0f);
        if (layer.CellStateRead) Widen(cellRange);
        var h = q.HasParameters(layer.Output) ? q.Parameters(layer.Output) : q.Fix(layer.Output, QuantizationParameters.FromRange(low, high));

        double largestCell = Math.Max(Math.Abs(cellRange.Item1), Math.Abs(cellRange.Item2));
        int integerBits = 0;
        while (integerBits < MaxCellBits - MinCellBits && (1 << integerBits) < largestCell) integerBits++;
        int cellBits = MaxCellBits - integerBits;
        double cellScale = Math.Pow(2, -cellBits), gateScale = Math.Pow(2, -GateFractionBits);

        int directions = layer.Directions, hidden = layer.Hidden, rows = directions * 4 * hidden;
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
            int d = row / (4 * hidden), local = row % (4 * hidden);
            double inputScale = x.Scale * weightScales[row];
            double bias = (double)layer.Bias[2 * d * 4 * hidden + local] + layer.Bias[(2 * d + 1) * 4 * hidden + local];
            long sumW = 0, sumR = 0;
            for (int k = 0; k < layer.InputSize; k++) sumW += weights[row * layer.InputSize + k];
            for (int k = 0; k < hidden; k++) sumR += recurrence[row * hidden + k];
            inputBias[row] = QuantizationParameters.SaturateInt32(Math.Round(bias / inputScale) - (double)x.ZeroPoint * sumW);
            recurrentBias[row] = QuantizationParameters.SaturateInt32(-(double)h.ZeroPoint * sumR);
            (inputMultipliers[row], inputShifts[row]) = FixedPoint.QuantizeMultiplier(inputScale / gateScale);
            (recurrentMultipliers[row], recurrentShifts[row]) = FixedPoint.QuantizeMultiplier(h.Scale * recurrenceScales[row] / gateScale);
        }

        int[] peepholes = Array.Empty<int>(), peepholeMultipliers = Array.Empty<int>(), peepholeShifts = Array.Empty<int>();
        if (layer.Peepholes.Length > 0)
        {
            peepholes = new int[layer.Peepholes.Length];
            peepholeMultipliers = new int[3 * directions];
            peepholeShifts = new int[3 * directions];
            for (int g = 0; g < 3 * directions; g++)
            {
                double largest = 0;
                for (int j = 0; j < hidden; j++) largest = Math.Max(largest, Math.Abs(layer.Peepholes[g * hidden + j]));
                double scale = largest == 0 ? 1.0 : largest / short.MaxValue;
                for (int j = 0; j < hidden; j++)
                    peepholes[g * hidden + j] = (int)Math.Max(-short.MaxValue, Math.Min(short.MaxValue, Math.Round(layer.Peepholes[g * hidden + j] / scale)));
                (peepholeMultipliers[g], peepholeShifts[g]) = FixedPoint.QuantizeMultiplier(scale * cellScale / gateScale);
            }
        }

        var (initialH, initialHParameters) = State(layer.InitialH, q);
        var (initialC, initialCParameters) = State(layer.InitialC, q);
        var rescales = new int[10];
        (rescales[0], rescales[1]) = FixedPoint.QuantizeMultiplier(Math.Pow(2, -30) / h.Scale);
        (rescales[2], rescales[3]) = FixedPoint.QuantizeMultiplier(cellScale / h.Scale);
        if (initialH != null)
        {
            rescales[4] = initialHParameters.ZeroPoint;
            (rescales[5], rescales[6]) = FixedPoint.QuantizeMultiplier(initialHParameters.Scale / h.Scale);
        }
        if (initialC != null)
        {
            rescales[7] = initialCParameters.ZeroPoint;
            (rescales[8], rescales[9]) = FixedPoint.QuantizeMultiplier(initialCParameters.Scale / cellScale);
        }
        int clip = float.IsPositiveInfinity(layer.Clip) ? short.MaxValue : (int)Math.Min(short.MaxValue, Math.Round(layer.Clip / gateScale));
        return new LstmInt8(layer.Source, q.Slice(layer.Input), q.Slice(layer.Output), layer.SequenceLengths, initialH, initialC,
            layer.Sequence, layer.Batch, layer.InputSize, hidden, layer.Direction, layer.Layout, weights, recurrence, inputBias, recurrentBias,
            inputMultipliers, inputShifts, recurrentMultipliers, recurrentShifts, peepholes, peepholeMultipliers, peepholeShifts, rescales,
            clip, layer.InputForget, cellBits, h.ZeroPoint);
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
                values[row * depth + k] = (sbyte)Math.Max(-127, Math.Min(127, Math.Round(matrix[row * depth + k] / scales[row])));
        }
        return (values, scales);
    }

    /// <summary>The range of an initial state: its calibrated range, or its values when constant; null when omitted.</summary>
    private static (float, float)? StateRange(Operand<float>? state, QuantizationContext q)
    {
        if (state == null) return null;
        if (state.Slice != null) return q.Range(state.Slice);
        return (state.Constant!.Min(), state.Constant!.Max());
    }

    /// <summary>An initial state in int8: the int8 tensor with its parameters, or the constant quantized with parameters of its own range.</summary>
    private static (Operand<sbyte>?, QuantizationParameters) State(Operand<float>? state, QuantizationContext q)
    {
        if (state == null) return (null, default);
        if (state.Slice != null) return (new Operand<sbyte>(q.Slice(state.Slice), null, Array.Empty<int>()), q.Parameters(state.Slice));
        var p = QuantizationParameters.FromRange(state.Constant!.Min(), state.Constant!.Max());
        return (new Operand<sbyte>(null, state.Constant!.Select(v => FixedPoint.Quantize(v, p.Scale, p.ZeroPoint)).ToArray(), Array.Empty<int>()), p);
    }

    public override KernelKind Kind => KernelKind.LstmInt8;

    /// <summary>Y and Y_h, the hidden states; Y_c (at their scale, which saturates a larger cell state when the graph does not read it) and the cell state are not compared.</summary>
    public override int ResultLength => (Sequence + 1) * Directions * Batch * Hidden;

    public override IEnumerable<ArenaSlice> Reads =>
        new[] { Input, SequenceLengths?.Slice, InitialH?.Slice, InitialC?.Slice }.Where(s => s != null).Select(s => s!);

    public override int WeightBytes =>
        Weights.Length + Recurrence.Length + 4 * (6 * InputBias.Length + Peepholes.Length + PeepholeMultipliers.Length + PeepholeShifts.Length + Rescales.Length
            + (SequenceLengths?.Constant?.Length ?? 0)) + (InitialH?.Constant?.Length ?? 0) + (InitialC?.Constant?.Length ?? 0) + 2 * LstmTanhTable.Length;

    public override int Parameters => Weights.Length + Recurrence.Length + Peepholes.Length;
    public override int ZeroParameters => Weights.Count(w => w == 0) + Recurrence.Count(w => w == 0) + Peepholes.Count(w => w == 0);
    public override IEnumerable<string> Helpers => new[] { nameof(LstmInt8), nameof(LstmInt8) + "#Fixed", nameof(Int8Dot) };
    public override IEnumerable<string> NanoHelpers => new[] { nameof(LstmInt8) + "#Nano", nameof(LstmInt8) + "#Fixed" };

    public override void Run(PlanArena arena) =>
        LstmInt8Layer(arena.Int8s(Input), Data(SequenceLengths, arena), Data(InitialH, arena), Data(InitialC, arena),
            Sequence, Batch, InputSize, Hidden, Direction, Layout, Weights, Recurrence, InputBias, RecurrentBias,
            InputMultipliers, InputShifts, RecurrentMultipliers, RecurrentShifts, Peepholes, PeepholeMultipliers, PeepholeShifts, Rescales,
            Clip, InputForget, CellBits, ZeroPoint, arena.Int8s(Output));

    private static ReadOnlySpan<T> Data<T>(Operand<T>? operand, PlanArena arena) =>
        operand == null ? default : operand.Constant ?? (ReadOnlySpan<T>)arena.Of<T>(operand.Slice!);

    // <emit>
    /// <summary>
    /// An integer LSTM layer over every direction (0 forward, 1 reverse, 2 both), batch entry and time step. The
    /// workspace receives Y [sequence, directions, batch, hidden] (the zero point past each entry's length), Y_h and Y_c
    /// [directions, batch, hidden] in int8, then serves as the int16 cell state of the entry being run. Gates are rows
    /// i, o, f, c of W and R; empty spans mean full lengths, zero initial states, no peepholes.
    /// </summary>
    public static void LstmInt8Layer(ReadOnlySpan<sbyte> x, ReadOnlySpan<int> sequenceLengths, ReadOnlySpan<sbyte> initialH, ReadOnlySpan<sbyte> initialC,
        int sequence, int batch, int inputSize, int hidden, int direction, int layout, ReadOnlySpan<sbyte> weights, ReadOnlySpan<sbyte> recurrence,
        ReadOnlySpan<int> inputBias, ReadOnlySpan<int> recurrentBias, ReadOnlySpan<int> inputMultipliers, ReadOnlySpan<int> inputShifts,
        ReadOnlySpan<int> recurrentMultipliers, ReadOnlySpan<int> recurrentShifts, ReadOnlySpan<int> peepholes, ReadOnlySpan<int> peepholeMultipliers,
        ReadOnlySpan<int> peepholeShifts, ReadOnlySpan<int> rescales, int clip, bool inputForget, int cellBits, int zeroPoint, Span<sbyte> workspace)
    {
        int directions = direction == 2 ? 2 : 1, state = directions * batch * hidden, rows = 4 * hidden;
        Span<sbyte> y = workspace.Slice(0, sequence * state);
        Span<sbyte> lastH = workspace.Slice(sequence * state, state), lastC = workspace.Slice((sequence + 1) * state, state);
        Span<sbyte> cells = workspace.Slice((sequence + 2) * state, 2 * hidden);
        y.Fill((sbyte)zeroPoint); // outputs past a sequence's end are real 0
        for (int d = 0; d < directions; d++)
        {
            bool reverse = direction == 1 || d == 1;
            ReadOnlySpan<sbyte> w = weights.Slice(d * rows * inputSize, rows * inputSize), r = recurrence.Slice(d * rows * hidden, rows * hidden);
            for (int b = 0; b < batch; b++)
            {
                Span<sbyte> h = lastH.Slice((d * batch + b) * hidden, hidden);
                int initial = (layout == 0 ? d * batch + b : b * directions + d) * hidden;
                for (int j = 0; j < hidden; j++)
                {
                    h[j] = initialH.IsEmpty ? (sbyte)zeroPoint
                        : (sbyte)LstmClamp(zeroPoint + LstmScale(initialH[initial + j] - rescales[4], rescales[5], rescales[6]), -128, 127);
                    int c = initialC.IsEmpty ? 0 : LstmClamp(LstmScale(initialC[initial + j] - rescales[7], rescales[8], rescales[9]), -32768, 32767);
                    cells[2 * j] = (sbyte)(c & 255);
                    cells[2 * j + 1] = (sbyte)(c >> 8);
                }
                int length = sequenceLengths.IsEmpty ? sequence : sequenceLengths[b];
                length = length < 0 ? 0 : length > sequence ? sequence : length;
                for (int s = 0; s < length; s++)
                {
                    int t = reverse ? length - 1 - s : s;
                    ReadOnlySpan<sbyte> xt = x.Slice((layout == 0 ? t * batch + b : b * sequence + t) * inputSize, inputSize);
                    Span<sbyte> next = y.Slice(((t * directions + d) * batch + b) * hidden, hidden);
                    for (int j = 0; j < hidden; j++)
                    {
                        int c = (cells[2 * j] & 255) | (cells[2 * j + 1] << 8);
                        long gi = 0, go = 0, gf = 0, gc = 0;
                        for (int gate = 0; gate < 4; gate++)
                        {
                            int local = gate * hidden + j, row = d * rows + local;
                            long value = LstmScale(inputBias[row] + (long)Dot(w.Slice(local * inputSize, inputSize), xt), inputMultipliers[row], inputShifts[row])
                                + LstmScale(recurrentBias[row] + (long)Dot(r.Slice(local * hidden, hidden), h), recurrentMultipliers[row], recurrentShifts[row]);
                            if (gate == 0) gi = value; else if (gate == 1) go = value; else if (gate == 2) gf = value; else gc = value;
                        }
                        if (!peepholes.IsEmpty)
                        {
                            gi += LstmScale((long)peepholes[3 * d * hidden + j] * c, peepholeMultipliers[3 * d], peepholeShifts[3 * d]);
                            gf += LstmScale((long)peepholes[(3 * d + 2) * hidden + j] * c, peepholeMultipliers[3 * d + 2], peepholeShifts[3 * d + 2]);
                        }
                        int i = LstmSigmoid(LstmClamp(gi, -clip, clip));
                        int f = inputForget ? 32768 - i : LstmSigmoid(LstmClamp(gf, -clip, clip));
                        int g = LstmTanh(LstmClamp(gc, -clip, clip), 12);
                        c = LstmClamp(((f * c + (1 << 14)) >> 15) + ((i * g + (1 << (29 - cellBits))) >> (30 - cellBits)), -32768, 32767);
                        if (!peepholes.IsEmpty) go += LstmScale((long)peepholes[(3 * d + 1) * hidden + j] * c, peepholeMultipliers[3 * d + 1], peepholeShifts[3 * d + 1]);
                        int o = LstmSigmoid(LstmClamp(go, -clip, clip));
                        next[j] = (sbyte)LstmClamp(zeroPoint + LstmScale((long)o * LstmTanh(c, cellBits), rescales[0], rescales[1]), -128, 127);
                        cells[2 * j] = (sbyte)(c & 255);
                        cells[2 * j + 1] = (sbyte)(c >> 8);
                    }
                    next.CopyTo(h);
                }
                Span<sbyte> finalC = lastC.Slice((d * batch + b) * hidden, hidden);
                for (int j = 0; j < hidden; j++)
                    finalC[j] = (sbyte)LstmClamp(zeroPoint + LstmScale((cells[2 * j] & 255) | (cells[2 * j + 1] << 8), rescales[2], rescales[3]), -128, 127);
            }
        }
    }
    // </emit>

    // <emit Nano>
    /// <summary>The integer LSTM layer on arrays (see the .NET flavour); null arrays mean full lengths, zero initial states, no peepholes.</summary>
    public static void LstmInt8Layer(sbyte[] x, int xOffset, int[] sequenceLengths, int lengthsOffset, sbyte[] initialH, int initialHOffset,
        sbyte[] initialC, int initialCOffset, int sequence, int batch, int inputSize, int hidden, int direction, int layout, sbyte[] weights,
        sbyte[] recurrence, int[] inputBias, int[] recurrentBias, int[] inputMultipliers, int[] inputShifts, int[] recurrentMultipliers,
        int[] recurrentShifts, int[] peepholes, int[] peepholeMultipliers, int[] peepholeShifts, int[] rescales, int clip, bool inputForget,
        int cellBits, int zeroPoint, sbyte[] workspace, int workspaceOffset)
    {
        int directions = direction == 2 ? 2 : 1, state = directions * batch * hidden, rows = 4 * hidden;
        int lastH = workspaceOffset + sequence * state, lastC = workspaceOffset + (sequence + 1) * state, cells = workspaceOffset + (sequence + 2) * state;
        for (int k = workspaceOffset; k < lastH; k++) workspace[k] = (sbyte)zeroPoint;
        for (int d = 0; d < directions; d++)
        {
            bool reverse = direction == 1 || d == 1;
            for (int b = 0; b < batch; b++)
            {
                int h = lastH + (d * batch + b) * hidden;
                int initial = (layout == 0 ? d * batch + b : b * directions + d) * hidden;
                for (int j = 0; j < hidden; j++)
                {
                    workspace[h + j] = initialH == null ? (sbyte)zeroPoint
                        : (sbyte)LstmClamp(zeroPoint + LstmScale(initialH[initialHOffset + initial + j] - rescales[4], rescales[5], rescales[6]), -128, 127);
                    int c = initialC == null ? 0
                        : LstmClamp(LstmScale(initialC[initialCOffset + initial + j] - rescales[7], rescales[8], rescales[9]), -32768, 32767);
                    workspace[cells + 2 * j] = (sbyte)(c & 255);
                    workspace[cells + 2 * j + 1] = (sbyte)(c >> 8);
                }
                int length = sequenceLengths == null ? sequence : sequenceLengths[lengthsOffset + b];
                length = length < 0 ? 0 : length > sequence ? sequence : length;
                for (int s = 0; s < length; s++)
                {
                    int t = reverse ? length - 1 - s : s;
                    int xt = xOffset + (layout == 0 ? t * batch + b : b * sequence + t) * inputSize;
                    int next = workspaceOffset + ((t * directions + d) * batch + b) * hidden;
                    for (int j = 0; j < hidden; j++)
                    {
                        int c = (workspace[cells + 2 * j] & 255) | (workspace[cells + 2 * j + 1] << 8);
                        long gi = 0, go = 0, gf = 0, gc = 0;
                        for (int gate = 0; gate < 4; gate++)
                        {
                            int row = d * rows + gate * hidden + j;
                            int inputSum = 0, stateSum = 0;
                            int wStart = row * inputSize, rStart = row * hidden;
                            for (int k = 0; k < inputSize; k++) inputSum += weights[wStart + k] * x[xt + k];
                            for (int k = 0; k < hidden; k++) stateSum += recurrence[rStart + k] * workspace[h + k];
                            long value = LstmScale(inputBias[row] + (long)inputSum, inputMultipliers[row], inputShifts[row])
                                + LstmScale(recurrentBias[row] + (long)stateSum, recurrentMultipliers[row], recurrentShifts[row]);
                            if (gate == 0) gi = value; else if (gate == 1) go = value; else if (gate == 2) gf = value; else gc = value;
                        }
                        if (peepholes != null)
                        {
                            gi += LstmScale((long)peepholes[3 * d * hidden + j] * c, peepholeMultipliers[3 * d], peepholeShifts[3 * d]);
                            gf += LstmScale((long)peepholes[(3 * d + 2) * hidden + j] * c, peepholeMultipliers[3 * d + 2], peepholeShifts[3 * d + 2]);
                        }
                        int i = LstmSigmoid(LstmClamp(gi, -clip, clip));
                        int f = inputForget ? 32768 - i : LstmSigmoid(LstmClamp(gf, -clip, clip));
                        int g = LstmTanh(LstmClamp(gc, -clip, clip), 12);
                        c = LstmClamp(((f * c + (1 << 14)) >> 15) + ((i * g + (1 << (29 - cellBits))) >> (30 - cellBits)), -32768, 32767);
                        if (peepholes != null) go += LstmScale((long)peepholes[(3 * d + 1) * hidden + j] * c, peepholeMultipliers[3 * d + 1], peepholeShifts[3 * d + 1]);
                        int o = LstmSigmoid(LstmClamp(go, -clip, clip));
                        workspace[next + j] = (sbyte)LstmClamp(zeroPoint + LstmScale((long)o * LstmTanh(c, cellBits), rescales[0], rescales[1]), -128, 127);
                        workspace[cells + 2 * j] = (sbyte)(c & 255);
                        workspace[cells + 2 * j + 1] = (sbyte)(c >> 8);
                    }
                    for (int j = 0; j < hidden; j++) workspace[h + j] = workspace[next + j];
                }
                int finalC = lastC + (d * batch + b) * hidden;
                for (int j = 0; j < hidden; j++)
                    workspace[finalC + j] = (sbyte)LstmClamp(zeroPoint
                        + LstmScale((workspace[cells + 2 * j] & 255) | (workspace[cells + 2 * j + 1] << 8), rescales[2], rescales[3]), -128, 127);
            }
        }
    }
    // </emit>

    // Both flavours use this block (plain integers and arrays: no spans, no System.Math).
    // <emit Fixed>
    /// <summary>round(tanh(k / 32) · 2^15) for k = 0 … 256 (tanh on [0, 8] in Q0.15, saturated at 32767).</summary>
    public static readonly short[] LstmTanhTable =
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
    public static int LstmTanh(int value, int bits)
    {
        int magnitude = value < 0 ? -value : value, fractionBits = bits - 5;
        int index = magnitude >> fractionBits, result;
        if (index >= 256) result = 32767;
        else
        {
            int low = LstmTanhTable[index], fraction = magnitude & ((1 << fractionBits) - 1);
            result = low + (((LstmTanhTable[index + 1] - low) * fraction + ((1 << fractionBits) >> 1)) >> fractionBits);
        }
        return value < 0 ? -result : result;
    }

    /// <summary>sigmoid(x) = (1 + tanh(x / 2)) / 2 in Q0.15, for x in Q3.12: 0 … 32767.</summary>
    public static int LstmSigmoid(int x) => (32768 + LstmTanh(x, 13)) >> 1;

    /// <summary>value · multiplier · 2^(shift − 31), rounded half up (a Q31 multiplier from QuantizeMultiplier; shift ≤ 30).</summary>
    public static long LstmScale(long value, int multiplier, int shift)
    {
        int right = 31 - shift;
        return (value * multiplier + (1L << (right - 1))) >> right;
    }

    /// <summary>value clamped to [low, high].</summary>
    public static int LstmClamp(long value, int low, int high) => value < low ? low : value > high ? high : (int)value;
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output);
        WriteOperand(w, SequenceLengths, w.Ints); WriteOperand(w, InitialH, w.SBytes); WriteOperand(w, InitialC, w.SBytes);
        w.Int(Sequence); w.Int(Batch); w.Int(InputSize); w.Int(Hidden); w.Int(Direction); w.Int(Layout);
        w.SBytes(Weights); w.SBytes(Recurrence); w.Ints(InputBias); w.Ints(RecurrentBias);
        w.Ints(InputMultipliers); w.Ints(InputShifts); w.Ints(RecurrentMultipliers); w.Ints(RecurrentShifts);
        w.Ints(Peepholes); w.Ints(PeepholeMultipliers); w.Ints(PeepholeShifts); w.Ints(Rescales);
        w.Int(Clip); w.Byte((byte)(InputForget ? 1 : 0)); w.Int(CellBits); w.Int(ZeroPoint);
    }

    /// <summary>0: absent, 1: a slice, 2: baked-in data.</summary>
    private static void WriteOperand<T>(PlanBinaryWriter w, Operand<T>? operand, Action<T[]> data)
    {
        w.Byte((byte)(operand == null ? 0 : operand.Slice != null ? 1 : 2));
        if (operand?.Slice != null) w.Slice(operand.Slice);
        else if (operand != null) data(operand.Constant!);
    }

    private static Operand<T>? ReadOperand<T>(PlanBinaryReader r, Func<T[]> data) => r.Byte() switch
    {
        0 => null,
        1 => new Operand<T>(r.Slice(), null, Array.Empty<int>()),
        _ => new Operand<T>(null, data(), Array.Empty<int>()),
    };

    public static LstmInt8 Read(PlanBinaryReader r, string source)
    {
        ArenaSlice input = r.Slice(), output = r.Slice();
        var lengths = ReadOperand(r, r.Ints);
        var initialH = ReadOperand(r, r.SBytes);
        var initialC = ReadOperand(r, r.SBytes);
        int sequence = r.Int(), batch = r.Int(), inputSize = r.Int(), hidden = r.Int(), direction = r.Int(), layout = r.Int();
        sbyte[] weights = r.SBytes(), recurrence = r.SBytes();
        int[] inputBias = r.Ints(), recurrentBias = r.Ints(), inputMultipliers = r.Ints(), inputShifts = r.Ints(), recurrentMultipliers = r.Ints(),
            recurrentShifts = r.Ints(), peepholes = r.Ints(), peepholeMultipliers = r.Ints(), peepholeShifts = r.Ints(), rescales = r.Ints();
        int clip = r.Int();
        bool inputForget = r.Byte() != 0;
        int cellBits = r.Int(), zeroPoint = r.Int();
        return new LstmInt8(source, input, output, lengths, initialH, initialC, sequence, batch, inputSize, hidden, direction, layout, weights, recurrence,
            inputBias, recurrentBias, inputMultipliers, inputShifts, recurrentMultipliers, recurrentShifts, peepholes, peepholeMultipliers, peepholeShifts,
            rescales, clip, inputForget, cellBits, zeroPoint);
    }

    /// <summary>An optional operand in .NET code: its slice, its constant array, or default.</summary>
    private static string Expression<T>(CodeWriter code, Operand<T>? operand, string constantName) =>
        operand == null ? "default" : operand.Slice != null ? operand.Slice.Expression(code) : constantName;

    /// <summary>An optional operand in nanoFramework code: array and offset, or null and 0.</summary>
    private static string NanoExpression<T>(CodeWriter code, Operand<T>? operand, string constantName) =>
        operand == null ? "null, 0" : operand.Slice != null ? operand.Slice.NanoArguments(code) : constantName + ", 0";

    public override void EmitCall(CodeWriter code, string name) => Emit(code, name, nano: false);

    public override void EmitNanoCall(CodeWriter code, string name) => Emit(code, name, nano: true);

    private void Emit(CodeWriter code, string name, bool nano)
    {
        string Optional<T>(Operand<T>? operand, string suffix) => nano ? NanoExpression(code, operand, name + suffix) : Expression(code, operand, name + suffix);
        string none = nano ? "null" : "default";
        bool peep = Peepholes.Length > 0;
        code.Line($"// LSTM, {(Direction == 2 ? "bidirectional" : Direction == 1 ? "reverse" : "forward")}, integer: gates in Q3.12, cell state int16 at 2^-{CellBits}")
            .Line($"LstmInt8Layer({(nano ? Input.NanoArguments(code) : Input.Expression(code))}, {Optional(SequenceLengths, "SequenceLengths")}, " +
                  $"{Optional(InitialH, "InitialH")}, {Optional(InitialC, "InitialC")},")
            .Line($"    sequence: {Sequence}, batch: {Batch}, inputSize: {InputSize}, hidden: {Hidden}, direction: {Direction}, layout: {Layout},")
            .Line($"    {name}Weights, {name}Recurrence, {name}InputBias, {name}RecurrentBias, {name}InputMultipliers, {name}InputShifts,")
            .Line($"    {name}RecurrentMultipliers, {name}RecurrentShifts, {(peep ? name + "Peepholes" : none)}, {(peep ? name + "PeepholeMultipliers" : none)}, " +
                  $"{(peep ? name + "PeepholeShifts" : none)}, {name}Rescales,")
            .Line($"    clip: {Clip}, inputForget: {(InputForget ? "true" : "false")}, cellBits: {CellBits}, zeroPoint: {ZeroPoint}, " +
                  $"{(nano ? Output.NanoArguments(code) : Output.Expression(code))});");
    }

    public override void EmitData(CodeWriter code, string name)
    {
        int rows = 4 * Hidden;
        EmitArrays.SBytes(code, $"{name}Weights", Weights, $"W in int8 [{Directions} directions × {rows} gate rows (i, o, f, c) × {InputSize}], one scale per row");
        EmitArrays.SBytes(code, $"{name}Recurrence", Recurrence, $"R in int8 [{Directions} directions × {rows} gate rows × {Hidden}], one scale per row");
        EmitArrays.Ints(code, $"{name}InputBias", InputBias, "per gate row: Wb + Rb at the input side's scale, X's zero point folded in");
        EmitArrays.Ints(code, $"{name}RecurrentBias", RecurrentBias, "per gate row: the hidden state's zero point folded in");
        EmitArrays.Ints(code, $"{name}InputMultipliers", InputMultipliers, "per gate row: W·x to Q3.12, Q31 multiplier");
        EmitArrays.Ints(code, $"{name}InputShifts", InputShifts, "per gate row: W·x to Q3.12, shift");
        EmitArrays.Ints(code, $"{name}RecurrentMultipliers", RecurrentMultipliers, "per gate row: R·h to Q3.12, Q31 multiplier");
        EmitArrays.Ints(code, $"{name}RecurrentShifts", RecurrentShifts, "per gate row: R·h to Q3.12, shift");
        if (Peepholes.Length > 0)
        {
            EmitArrays.Ints(code, $"{name}Peepholes", Peepholes, $"P in int16 [{Directions} directions × (i, o, f) × {Hidden}]");
            EmitArrays.Ints(code, $"{name}PeepholeMultipliers", PeepholeMultipliers, "per direction and gate: P · c to Q3.12, Q31 multiplier");
            EmitArrays.Ints(code, $"{name}PeepholeShifts", PeepholeShifts, "per direction and gate: P · c to Q3.12, shift");
        }
        EmitArrays.Ints(code, $"{name}Rescales", Rescales, "o · tanh(c) to int8; cell state to int8; initial h and c: zero point, multiplier, shift");
        if (SequenceLengths?.Constant is { } lengths) EmitArrays.Ints(code, $"{name}SequenceLengths", lengths, "sequence length per batch entry");
        if (InitialH?.Constant is { } h) EmitArrays.SBytes(code, $"{name}InitialH", h, "initial hidden state in int8 (parameters in Rescales[4 … 6])");
        if (InitialC?.Constant is { } c) EmitArrays.SBytes(code, $"{name}InitialC", c, "initial cell state in int8 (parameters in Rescales[7 … 9])");
    }
}
