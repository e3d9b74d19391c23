using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// An integer LSTM layer (activations Sigmoid, Tanh, Tanh), after TensorFlow Lite Micro's integer LSTM (the "8x8_16"
/// scheme, docs/compression.md; the parts it shares with the integer GRU and RNN are <see cref="RecurrentInt8"/>'s):
/// gates i, o, f, c, each pre-activation W·x + R·h + b (+ peephole · c, int16 peepholes) in Q3.12, the cell state int16
/// with a power-of-two scale (2^−cellBits) chosen from its calibrated range, h = o · tanh(c) requantized to int8.
/// It writes the workspace of its float form in int8, with one parameter set: Y, Y_h, Y_c (the cell state at that
/// scale), then the int16 cell state of the batch entry being run, two bytes per unit, low byte first.
/// </summary>
public sealed class LstmInt8 : RecurrentInt8
{
    public LstmInt8(string source, RecurrentInt8Parts parts, Operand<sbyte>? initialC, int[] peepholes, int[] peepholeMultipliers, int[] peepholeShifts,
        bool inputForget, int cellBits) : base(source, parts)
    {
        int directions = Directions, hidden = Hidden;
        if ((peepholes.Length != 0 && (peepholes.Length != directions * 3 * hidden || peepholeMultipliers.Length != directions * 3 || peepholeShifts.Length != directions * 3))
            || cellBits < MinStateBits || cellBits > MaxStateBits)
            throw new ArgumentException("Peepholes or the cell state's scale do not fit the layer.");
        InitialC = initialC;
        Peepholes = peepholes;
        PeepholeMultipliers = peepholeMultipliers;
        PeepholeShifts = peepholeShifts;
        InputForget = inputForget;
        CellBits = cellBits;
    }

    /// <summary>The initial cell state in int8 with parameters of its own (<see cref="RecurrentInt8.Rescales"/> [7 … 9]), or null: zeros.</summary>
    public Operand<sbyte>? InitialC { get; }
    /// <summary>P in int16 [directions, (i, o, f) × hidden] and, per direction and gate, the multiplier and shift of P · c to Q3.12; empty without peepholes.</summary>
    public int[] Peepholes { get; }
    public int[] PeepholeMultipliers { get; }
    public int[] PeepholeShifts { get; }
    public bool InputForget { get; }
    /// <summary>The cell state is int16 at scale 2^−CellBits.</summary>
    public int CellBits { get; }

    protected override int GateCount => 4;
    /// <summary>
    /// Multiplier and shift pairs: [0, 1] o · tanh(c) (Q0.30) to the workspace's int8, [2, 3] the cell state to Y_c's int8;
    /// then zero point, multiplier, shift of [4 … 6] the initial hidden state into the workspace's int8 and [7 … 9] the
    /// initial cell state into the int16 cell state.
    /// </summary>
    protected override int RescaleCount => 10;
    /// <summary>Y_c, then the int16 cell state of one batch entry.</summary>
    protected override int ScratchBytes(int state, int hidden) => state + 2 * hidden;
    protected override string GateNames => "(i, o, f, c)";
    protected override string RescalesText => "o · tanh(c) to int8; cell state to int8; initial h and c: zero point, multiplier, shift";
    protected override IEnumerable<ArenaSlice?> MoreReads => new[] { InitialC?.Slice };

    /// <summary>
    /// The integer form of <paramref name="layer"/> (an LSTM that <see cref="RecurrentInt8.Takes"/>): the workspace's parameters cover
    /// every hidden state (Y's calibrated range, and the initial hidden state's) and, when the graph reads Y_c, the cell
    /// state's; the cell state's scale is the smallest power of two that holds its calibrated range.
    /// </summary>
    public static new LstmInt8 From(RecurrentFloat layer, QuantizationContext q)
    {
        var x = q.Parameters(layer.Input);
        var cellRange = q.Range(layer.CellStates) ?? (0f, 0f);
        var h = HiddenParameters(layer, q, layer.CellStateRead ? cellRange : null);
        int cellBits = FractionBitsFor(Math.Max(Math.Abs(cellRange.Item1), Math.Abs(cellRange.Item2)));
        double cellScale = Math.Pow(2, -cellBits), gateScale = Math.Pow(2, -GateFractionBits);
        int directions = layer.Directions, hidden = layer.Hidden;
        var gates = RecurrentGates.Quantize(layer, x, h);

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
        InitialRescale(rescales, 4, initialH, initialHParameters, h.Scale);
        InitialRescale(rescales, 7, initialC, initialCParameters, cellScale);
        return new LstmInt8(layer.Source, PartsOf(layer, q, initialH, gates, rescales, h.ZeroPoint), initialC, peepholes, peepholeMultipliers,
            peepholeShifts, layer.InputForget, cellBits);
    }

    public override KernelKind Kind => KernelKind.LstmInt8;

    public override int WeightBytes =>
        base.WeightBytes + 4 * (Peepholes.Length + PeepholeMultipliers.Length + PeepholeShifts.Length) + (InitialC?.Constant?.Length ?? 0);

    public override int Parameters => base.Parameters + Peepholes.Length;
    public override int ZeroParameters => base.ZeroParameters + Peepholes.Count(w => w == 0);

    public override void Run(PlanArena arena) =>
        LstmInt8Layer(arena.Int8s(Input), Data(SequenceLengths, arena), Data(InitialH, arena), Data(InitialC, arena),
            Sequence, Batch, InputSize, Hidden, Direction, Layout, Gates.Weights, Gates.Recurrence, Gates.InputBias, Gates.RecurrentBias,
            Gates.InputMultipliers, Gates.InputShifts, Gates.RecurrentMultipliers, Gates.RecurrentShifts, Peepholes, PeepholeMultipliers, PeepholeShifts,
            Rescales, Clip, InputForget, CellBits, ZeroPoint, arena.Int8s(Output));

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
            for (int b = 0; b < batch; b++)
            {
                Span<sbyte> h = lastH.Slice((d * batch + b) * hidden, hidden);
                int initial = (layout == 0 ? d * batch + b : b * directions + d) * hidden;
                for (int j = 0; j < hidden; j++)
                {
                    h[j] = initialH.IsEmpty ? (sbyte)zeroPoint
                        : (sbyte)RecurrentClamp(zeroPoint + RecurrentScale(initialH[initial + j] - rescales[4], rescales[5], rescales[6]), -128, 127);
                    RecurrentSetInt16(cells, j, initialC.IsEmpty ? 0
                        : RecurrentClamp(RecurrentScale(initialC[initial + j] - rescales[7], rescales[8], rescales[9]), -32768, 32767));
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
                        int c = RecurrentInt16(cells, j);
                        long gi = 0, go = 0, gf = 0, gc = 0;
                        for (int gate = 0; gate < 4; gate++)
                        {
                            int row = d * rows + gate * hidden + j;
                            long value = RecurrentGateSide(weights, xt, row, inputBias, inputMultipliers, inputShifts)
                                + RecurrentGateSide(recurrence, h, row, recurrentBias, recurrentMultipliers, recurrentShifts);
                            if (gate == 0) gi = value; else if (gate == 1) go = value; else if (gate == 2) gf = value; else gc = value;
                        }
                        if (!peepholes.IsEmpty)
                        {
                            gi += RecurrentScale((long)peepholes[3 * d * hidden + j] * c, peepholeMultipliers[3 * d], peepholeShifts[3 * d]);
                            gf += RecurrentScale((long)peepholes[(3 * d + 2) * hidden + j] * c, peepholeMultipliers[3 * d + 2], peepholeShifts[3 * d + 2]);
                        }
                        int i = RecurrentSigmoid(RecurrentClamp(gi, -clip, clip));
                        int f = inputForget ? 32768 - i : RecurrentSigmoid(RecurrentClamp(gf, -clip, clip));
                        c = RecurrentBlend(f, c, i, RecurrentTanh(RecurrentClamp(gc, -clip, clip), 12), cellBits);
                        if (!peepholes.IsEmpty) go += RecurrentScale((long)peepholes[(3 * d + 1) * hidden + j] * c, peepholeMultipliers[3 * d + 1], peepholeShifts[3 * d + 1]);
                        int o = RecurrentSigmoid(RecurrentClamp(go, -clip, clip));
                        next[j] = (sbyte)RecurrentClamp(zeroPoint + RecurrentScale((long)o * RecurrentTanh(c, cellBits), rescales[0], rescales[1]), -128, 127);
                        RecurrentSetInt16(cells, j, c);
                    }
                    next.CopyTo(h);
                }
                Span<sbyte> finalC = lastC.Slice((d * batch + b) * hidden, hidden);
                for (int j = 0; j < hidden; j++)
                    finalC[j] = (sbyte)RecurrentClamp(zeroPoint + RecurrentScale(RecurrentInt16(cells, j), rescales[2], rescales[3]), -128, 127);
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
                        : (sbyte)RecurrentClamp(zeroPoint + RecurrentScale(initialH[initialHOffset + initial + j] - rescales[4], rescales[5], rescales[6]), -128, 127);
                    RecurrentSetInt16(workspace, cells, j, initialC == null ? 0
                        : RecurrentClamp(RecurrentScale(initialC[initialCOffset + initial + j] - rescales[7], rescales[8], rescales[9]), -32768, 32767));
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
                        int c = RecurrentInt16(workspace, cells, j);
                        long gi = 0, go = 0, gf = 0, gc = 0;
                        for (int gate = 0; gate < 4; gate++)
                        {
                            int row = d * rows + gate * hidden + j;
                            long value = RecurrentGateSide(weights, x, xt, inputSize, row, inputBias, inputMultipliers, inputShifts)
                                + RecurrentGateSide(recurrence, workspace, h, hidden, row, recurrentBias, recurrentMultipliers, recurrentShifts);
                            if (gate == 0) gi = value; else if (gate == 1) go = value; else if (gate == 2) gf = value; else gc = value;
                        }
                        if (peepholes != null)
                        {
                            gi += RecurrentScale((long)peepholes[3 * d * hidden + j] * c, peepholeMultipliers[3 * d], peepholeShifts[3 * d]);
                            gf += RecurrentScale((long)peepholes[(3 * d + 2) * hidden + j] * c, peepholeMultipliers[3 * d + 2], peepholeShifts[3 * d + 2]);
                        }
                        int i = RecurrentSigmoid(RecurrentClamp(gi, -clip, clip));
                        int f = inputForget ? 32768 - i : RecurrentSigmoid(RecurrentClamp(gf, -clip, clip));
                        c = RecurrentBlend(f, c, i, RecurrentTanh(RecurrentClamp(gc, -clip, clip), 12), cellBits);
                        if (peepholes != null) go += RecurrentScale((long)peepholes[(3 * d + 1) * hidden + j] * c, peepholeMultipliers[3 * d + 1], peepholeShifts[3 * d + 1]);
                        int o = RecurrentSigmoid(RecurrentClamp(go, -clip, clip));
                        workspace[next + j] = (sbyte)RecurrentClamp(zeroPoint + RecurrentScale((long)o * RecurrentTanh(c, cellBits), rescales[0], rescales[1]), -128, 127);
                        RecurrentSetInt16(workspace, cells, j, c);
                    }
                    for (int j = 0; j < hidden; j++) workspace[h + j] = workspace[next + j];
                }
                int finalC = lastC + (d * batch + b) * hidden;
                for (int j = 0; j < hidden; j++)
                    workspace[finalC + j] = (sbyte)RecurrentClamp(zeroPoint + RecurrentScale(RecurrentInt16(workspace, cells, j), rescales[2], rescales[3]), -128, 127);
            }
        }
    }
    // </emit>


    public override void WritePayload(PlanBinaryWriter w)
    {
        Parts.Write(w);
        w.OptionalOperand(InitialC, w.SBytes);
        w.Ints(Peepholes); w.Ints(PeepholeMultipliers); w.Ints(PeepholeShifts); w.Byte((byte)(InputForget ? 1 : 0)); w.Int(CellBits);
    }

    public static LstmInt8 Read(PlanBinaryReader r, string source) =>
        new(source, RecurrentInt8Parts.Read(r), r.OptionalOperand(r.SBytes), r.Ints(), r.Ints(), r.Ints(), r.Byte() != 0, r.Int());

    protected override void Emit(CodeWriter code, string name, bool nano)
    {
        string none = nano ? "null" : "default";
        bool peep = Peepholes.Length > 0;
        code.Line($"// LSTM, {DirectionText}, integer: gates in Q3.12, cell state int16 at 2^-{CellBits}")
            .Line($"LstmInt8Layer({Argument(code, Input, nano)}, {Argument(code, SequenceLengths, name + "SequenceLengths", nano)}, " +
                  $"{Argument(code, InitialH, name + "InitialH", nano)}, {Argument(code, InitialC, name + "InitialC", nano)},")
            .Line($"    {Shape},")
            .Line($"    {RecurrentGates.Arguments(name)},")
            .Line($"    {(peep ? name + "Peepholes" : none)}, {(peep ? name + "PeepholeMultipliers" : none)}, {(peep ? name + "PeepholeShifts" : none)}, {name}Rescales,")
            .Line($"    clip: {Clip}, inputForget: {(InputForget ? "true" : "false")}, cellBits: {CellBits}, zeroPoint: {ZeroPoint}, {Argument(code, Output, nano)});");
    }

    public override void EmitData(CodeWriter code, string name)
    {
        base.EmitData(code, name);
        if (Peepholes.Length > 0)
        {
            EmitArrays.Ints(code, $"{name}Peepholes", Peepholes, $"P in int16 [{Directions} directions × (i, o, f) × {Hidden}]");
            EmitArrays.Ints(code, $"{name}PeepholeMultipliers", PeepholeMultipliers, "per direction and gate: P · c to Q3.12, Q31 multiplier");
            EmitArrays.Ints(code, $"{name}PeepholeShifts", PeepholeShifts, "per direction and gate: P · c to Q3.12, shift");
        }
        if (InitialC?.Constant is { } c) EmitArrays.SBytes(code, $"{name}InitialC", c, "initial cell state in int8 (parameters in Rescales[7 … 9])");
    }
}
