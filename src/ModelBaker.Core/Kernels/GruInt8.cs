using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// An integer GRU layer (activations Sigmoid, Tanh): <see cref="RecurrentInt8"/>'s scheme on gates z, r, h. z and r are
/// sigmoids of W·x + R·h + b in Q3.12; the candidate h̃ = tanh(Wh·x + Rh·(r ⊙ h) + b), or with linear_before_reset
/// tanh(Wh·x + Wbh + r ⊙ (Rh·h + Rbh)) (Rbh then on the recurrent side); h' = z·h + (1 − z)·h̃.
/// The hidden state is carried from step to step in int16 at 2^−stateBits (from its calibrated range: Q0.15 for a
/// GRU whose states stay in ±1), as the LSTM's cell state is, and requantized to the workspace's int8 for the matrix
/// products and Y. h' is a blend of the previous state: kept in int8, an update (1 − z)·(h̃ − h) under half a step is
/// lost at every step, so a slow unit (z near 1) stalls. Measured against an int8 state (docs/compression.md): +1.0 dB
/// on the digits GRU's logits, +0.2 to +1.5 dB on random layers of 4 to 7 steps, +1.6 dB over 60 steps, for 2 bytes
/// per unit of scratch and no extra work. It writes its float form's workspace in int8: Y, Y_h, then, for the batch
/// entry being run, the int16 state, z and r (Q0.15, two bytes per unit, low byte first) and r ⊙ h in int8.
/// </summary>
public sealed class GruInt8 : RecurrentInt8
{
    public GruInt8(string source, RecurrentInt8Parts parts, bool linearBeforeReset, int stateBits) : base(source, parts)
    {
        if (stateBits < MinStateBits || stateBits > MaxStateBits) throw new ArgumentException("The hidden state's scale does not fit the layer.");
        LinearBeforeReset = linearBeforeReset;
        StateBits = stateBits;
    }

    public bool LinearBeforeReset { get; }
    /// <summary>The hidden state is carried in int16 at scale 2^−StateBits.</summary>
    public int StateBits { get; }

    protected override int GateCount => 3;
    /// <summary>
    /// [0, 1] multiplier and shift of the int16 state to the workspace's int8; [2 … 4] zero point, multiplier, shift of the
    /// initial hidden state into the int16 state; [5, 6] r · state (Q0.15 times 2^−StateBits) to the workspace's int8.
    /// </summary>
    protected override int RescaleCount => 7;
    /// <summary>The int16 state, z and r of one entry (two bytes per unit each), r ⊙ h in int8.</summary>
    protected override int ScratchBytes(int state, int hidden) => 7 * hidden;
    protected override string GateNames => "(z, r, h)";
    protected override string RescalesText => "state to int8; initial h: zero point, multiplier, shift; r · state to int8";

    /// <summary>
    /// The integer form of a GRU that <see cref="RecurrentInt8.Takes"/>: the workspace covers every hidden state and the
    /// initial one, and the int16 state's scale is the smallest power of two that holds them.
    /// </summary>
    public static new GruInt8 From(RecurrentFloat layer, QuantizationContext q)
    {
        var x = q.Parameters(layer.Input);
        var h = HiddenParameters(layer, q);
        var range = Widen(Widen((0f, 0f), q.Range(layer.HiddenStates)), StateRange(layer.InitialH, q));
        int stateBits = FractionBitsFor(Math.Max(Math.Abs(range.Item1), Math.Abs(range.Item2)));
        double stateScale = Math.Pow(2, -stateBits);
        int hidden = layer.Hidden;
        var gates = RecurrentGates.Quantize(layer, x, h, layer.LinearBeforeReset ? local => local >= 2 * hidden : null);
        var (initialH, initialHParameters) = State(layer.InitialH, q);
        var rescales = new int[7];
        (rescales[0], rescales[1]) = FixedPoint.QuantizeMultiplier(stateScale / h.Scale);
        InitialRescale(rescales, 2, initialH, initialHParameters, stateScale);
        (rescales[5], rescales[6]) = FixedPoint.QuantizeMultiplier(stateScale * Math.Pow(2, -15) / h.Scale);
        return new GruInt8(layer.Source, PartsOf(layer, q, initialH, gates, rescales, h.ZeroPoint), layer.LinearBeforeReset, stateBits);
    }

    public override KernelKind Kind => KernelKind.GruInt8;

    public override void Run(PlanArena arena) =>
        GruInt8Layer(arena.Int8s(Input), Data(SequenceLengths, arena), Data(InitialH, arena),
            Sequence, Batch, InputSize, Hidden, Direction, Layout, Gates.Weights, Gates.Recurrence, Gates.InputBias, Gates.RecurrentBias,
            Gates.InputMultipliers, Gates.InputShifts, Gates.RecurrentMultipliers, Gates.RecurrentShifts, Rescales,
            Clip, LinearBeforeReset, StateBits, ZeroPoint, arena.Int8s(Output));

    // <emit>
    /// <summary>
    /// An integer GRU layer over every direction (0 forward, 1 reverse, 2 both), batch entry and time step. The workspace
    /// receives Y [sequence, directions, batch, hidden] (the zero point past each entry's length) and Y_h [directions,
    /// batch, hidden] in int8, then serves as the int16 state, z, r and r ⊙ h of the entry being run. Gates are rows
    /// z, r, h of W and R; empty spans mean full lengths and a zero initial state.
    /// </summary>
    public static void GruInt8Layer(ReadOnlySpan<sbyte> x, ReadOnlySpan<int> sequenceLengths, ReadOnlySpan<sbyte> initialH,
        int sequence, int batch, int inputSize, int hidden, int direction, int layout, ReadOnlySpan<sbyte> weights, ReadOnlySpan<sbyte> recurrence,
        ReadOnlySpan<int> inputBias, ReadOnlySpan<int> recurrentBias, ReadOnlySpan<int> inputMultipliers, ReadOnlySpan<int> inputShifts,
        ReadOnlySpan<int> recurrentMultipliers, ReadOnlySpan<int> recurrentShifts, ReadOnlySpan<int> rescales, int clip, bool linearBeforeReset,
        int stateBits, int zeroPoint, Span<sbyte> workspace)
    {
        int directions = direction == 2 ? 2 : 1, state = directions * batch * hidden, rows = 3 * hidden;
        Span<sbyte> y = workspace.Slice(0, sequence * state), lastH = workspace.Slice(sequence * state, state);
        Span<sbyte> states = workspace.Slice((sequence + 1) * state, 2 * hidden), updates = workspace.Slice((sequence + 1) * state + 2 * hidden, 2 * hidden);
        Span<sbyte> resets = workspace.Slice((sequence + 1) * state + 4 * hidden, 2 * hidden), resetH = workspace.Slice((sequence + 1) * state + 6 * hidden, hidden);
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
                    int start = initialH.IsEmpty ? 0 : RecurrentClamp(RecurrentScale(initialH[initial + j] - rescales[2], rescales[3], rescales[4]), -32768, 32767);
                    RecurrentSetInt16(states, j, start);
                    h[j] = (sbyte)RecurrentClamp(zeroPoint + RecurrentScale(start, rescales[0], rescales[1]), -128, 127);
                }
                int length = sequenceLengths.IsEmpty ? sequence : sequenceLengths[b];
                length = length < 0 ? 0 : length > sequence ? sequence : length;
                for (int s = 0; s < length; s++)
                {
                    int t = reverse ? length - 1 - s : s;
                    ReadOnlySpan<sbyte> xt = x.Slice((layout == 0 ? t * batch + b : b * sequence + t) * inputSize, inputSize);
                    Span<sbyte> next = y.Slice(((t * directions + d) * batch + b) * hidden, hidden);
                    for (int j = 0; j < hidden; j++) // z and r, and r ⊙ h for the candidate's recurrence
                    {
                        int z = d * rows + j, r = z + hidden;
                        RecurrentSetInt16(updates, j, RecurrentSigmoid(RecurrentClamp(RecurrentGateSide(weights, xt, z, inputBias, inputMultipliers, inputShifts)
                            + RecurrentGateSide(recurrence, h, z, recurrentBias, recurrentMultipliers, recurrentShifts), -clip, clip)));
                        int reset = RecurrentSigmoid(RecurrentClamp(RecurrentGateSide(weights, xt, r, inputBias, inputMultipliers, inputShifts)
                            + RecurrentGateSide(recurrence, h, r, recurrentBias, recurrentMultipliers, recurrentShifts), -clip, clip));
                        RecurrentSetInt16(resets, j, reset);
                        resetH[j] = (sbyte)RecurrentClamp(zeroPoint + RecurrentScale((long)reset * RecurrentInt16(states, j), rescales[5], rescales[6]), -128, 127);
                    }
                    for (int j = 0; j < hidden; j++) // the candidate, and h' = z·h + (1 − z)·h̃
                    {
                        int row = d * rows + 2 * hidden + j, z = RecurrentInt16(updates, j);
                        long recurrent = linearBeforeReset
                            ? (RecurrentInt16(resets, j) * RecurrentGateSide(recurrence, h, row, recurrentBias, recurrentMultipliers, recurrentShifts) + (1 << 14)) >> 15
                            : RecurrentGateSide(recurrence, resetH, row, recurrentBias, recurrentMultipliers, recurrentShifts);
                        int candidate = RecurrentTanh(RecurrentClamp(RecurrentGateSide(weights, xt, row, inputBias, inputMultipliers, inputShifts) + recurrent,
                            -clip, clip), 12);
                        int value = RecurrentBlend(z, RecurrentInt16(states, j), 32768 - z, candidate, stateBits);
                        RecurrentSetInt16(states, j, value);
                        next[j] = (sbyte)RecurrentClamp(zeroPoint + RecurrentScale(value, rescales[0], rescales[1]), -128, 127);
                    }
                    next.CopyTo(h);
                }
            }
        }
    }
    // </emit>

    // <emit Nano>
    /// <summary>The integer GRU layer on arrays (see the .NET flavour); null arrays mean full lengths and a zero initial state.</summary>
    public static void GruInt8Layer(sbyte[] x, int xOffset, int[] sequenceLengths, int lengthsOffset, sbyte[] initialH, int initialHOffset,
        int sequence, int batch, int inputSize, int hidden, int direction, int layout, sbyte[] weights, sbyte[] recurrence, int[] inputBias,
        int[] recurrentBias, int[] inputMultipliers, int[] inputShifts, int[] recurrentMultipliers, int[] recurrentShifts, int[] rescales,
        int clip, bool linearBeforeReset, int stateBits, int zeroPoint, sbyte[] workspace, int workspaceOffset)
    {
        int directions = direction == 2 ? 2 : 1, state = directions * batch * hidden, rows = 3 * hidden;
        int lastH = workspaceOffset + sequence * state, states = lastH + state, updates = states + 2 * hidden, resets = updates + 2 * hidden;
        int resetH = resets + 2 * hidden;
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
                    int start = initialH == null ? 0
                        : RecurrentClamp(RecurrentScale(initialH[initialHOffset + initial + j] - rescales[2], rescales[3], rescales[4]), -32768, 32767);
                    RecurrentSetInt16(workspace, states, j, start);
                    workspace[h + j] = (sbyte)RecurrentClamp(zeroPoint + RecurrentScale(start, rescales[0], rescales[1]), -128, 127);
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
                        int z = d * rows + j, r = z + hidden;
                        RecurrentSetInt16(workspace, updates, j, RecurrentSigmoid(RecurrentClamp(
                            RecurrentGateSide(weights, x, xt, inputSize, z, inputBias, inputMultipliers, inputShifts)
                            + RecurrentGateSide(recurrence, workspace, h, hidden, z, recurrentBias, recurrentMultipliers, recurrentShifts), -clip, clip)));
                        int reset = RecurrentSigmoid(RecurrentClamp(RecurrentGateSide(weights, x, xt, inputSize, r, inputBias, inputMultipliers, inputShifts)
                            + RecurrentGateSide(recurrence, workspace, h, hidden, r, recurrentBias, recurrentMultipliers, recurrentShifts), -clip, clip));
                        RecurrentSetInt16(workspace, resets, j, reset);
                        workspace[resetH + j] = (sbyte)RecurrentClamp(zeroPoint
                            + RecurrentScale((long)reset * RecurrentInt16(workspace, states, j), rescales[5], rescales[6]), -128, 127);
                    }
                    for (int j = 0; j < hidden; j++)
                    {
                        int row = d * rows + 2 * hidden + j, z = RecurrentInt16(workspace, updates, j);
                        long recurrent = linearBeforeReset
                            ? (RecurrentInt16(workspace, resets, j)
                               * RecurrentGateSide(recurrence, workspace, h, hidden, row, recurrentBias, recurrentMultipliers, recurrentShifts) + (1 << 14)) >> 15
                            : RecurrentGateSide(recurrence, workspace, resetH, hidden, row, recurrentBias, recurrentMultipliers, recurrentShifts);
                        int candidate = RecurrentTanh(RecurrentClamp(RecurrentGateSide(weights, x, xt, inputSize, row, inputBias, inputMultipliers, inputShifts)
                            + recurrent, -clip, clip), 12);
                        int value = RecurrentBlend(z, RecurrentInt16(workspace, states, j), 32768 - z, candidate, stateBits);
                        RecurrentSetInt16(workspace, states, j, value);
                        workspace[next + j] = (sbyte)RecurrentClamp(zeroPoint + RecurrentScale(value, rescales[0], rescales[1]), -128, 127);
                    }
                    for (int j = 0; j < hidden; j++) workspace[h + j] = workspace[next + j];
                }
            }
        }
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        Parts.Write(w); w.Byte((byte)(LinearBeforeReset ? 1 : 0)); w.Int(StateBits);
    }

    public static GruInt8 Read(PlanBinaryReader r, string source) => new(source, RecurrentInt8Parts.Read(r), r.Byte() != 0, r.Int());

    protected override void Emit(CodeWriter code, string name, bool nano) =>
        code.Line($"// GRU, {DirectionText}{(LinearBeforeReset ? ", linear_before_reset" : "")}, integer: gates in Q3.12, hidden state int16 at 2^-{StateBits}")
            .Line($"GruInt8Layer({Argument(code, Input, nano)}, {Argument(code, SequenceLengths, name + "SequenceLengths", nano)}, " +
                  $"{Argument(code, InitialH, name + "InitialH", nano)},")
            .Line($"    {Shape},")
            .Line($"    {RecurrentGates.Arguments(name)}, {name}Rescales,")
            .Line($"    clip: {Clip}, linearBeforeReset: {(LinearBeforeReset ? "true" : "false")}, stateBits: {StateBits}, zeroPoint: {ZeroPoint}, " +
                  $"{Argument(code, Output, nano)});");
}
