using System;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// An integer RNN layer (activation Tanh): <see cref="RecurrentInt8"/>'s scheme on one gate, h' = tanh(W·x + R·h + b)
/// with the pre-activation in Q3.12 and tanh in Q0.15, requantized to the workspace's int8. Nothing is carried from
/// step to step but h itself, which is a fresh tanh every step, so the int8 hidden state loses nothing an int16 one
/// would keep (R·h reads int8 either way). It writes its float form's workspace in int8: Y, then Y_h.
/// </summary>
public sealed class RnnInt8 : RecurrentInt8
{
    public RnnInt8(string source, RecurrentInt8Parts parts) : base(source, parts)
    {
    }

    protected override int GateCount => 1;
    /// <summary>[0, 1] multiplier and shift of tanh (Q0.15) to the workspace's int8; [2 … 4] zero point, multiplier, shift of the initial hidden state into it.</summary>
    protected override int RescaleCount => 5;
    protected override int ScratchBytes(int state, int hidden) => 0;
    protected override string GateNames => "(h)";
    protected override string RescalesText => "tanh to int8; initial h: zero point, multiplier, shift";

    /// <summary>The integer form of an RNN that <see cref="RecurrentInt8.Takes"/>: the workspace covers every hidden state and the initial one.</summary>
    public static new RnnInt8 From(RecurrentFloat layer, QuantizationContext q)
    {
        var x = q.Parameters(layer.Input);
        var h = HiddenParameters(layer, q);
        var gates = RecurrentGates.Quantize(layer, x, h);
        var (initialH, initialHParameters) = State(layer.InitialH, q);
        var rescales = new int[5];
        (rescales[0], rescales[1]) = FixedPoint.QuantizeMultiplier(Math.Pow(2, -15) / h.Scale);
        InitialRescale(rescales, 2, initialH, initialHParameters, h.Scale);
        return new RnnInt8(layer.Source, PartsOf(layer, q, initialH, gates, rescales, h.ZeroPoint));
    }

    public override KernelKind Kind => KernelKind.RnnInt8;

    public override void Run(PlanArena arena) =>
        RnnInt8Layer(arena.Int8s(Input), Data(SequenceLengths, arena), Data(InitialH, arena),
            Sequence, Batch, InputSize, Hidden, Direction, Layout, Gates.Weights, Gates.Recurrence, Gates.InputBias, Gates.RecurrentBias,
            Gates.InputMultipliers, Gates.InputShifts, Gates.RecurrentMultipliers, Gates.RecurrentShifts, Rescales, Clip, ZeroPoint, arena.Int8s(Output));

    // <emit>
    /// <summary>
    /// An integer RNN layer over every direction (0 forward, 1 reverse, 2 both), batch entry and time step. The workspace
    /// receives Y [sequence, directions, batch, hidden] (the zero point past each entry's length) and Y_h [directions,
    /// batch, hidden] in int8; empty spans mean full lengths and a zero initial state.
    /// </summary>
    public static void RnnInt8Layer(ReadOnlySpan<sbyte> x, ReadOnlySpan<int> sequenceLengths, ReadOnlySpan<sbyte> initialH,
        int sequence, int batch, int inputSize, int hidden, int direction, int layout, ReadOnlySpan<sbyte> weights, ReadOnlySpan<sbyte> recurrence,
        ReadOnlySpan<int> inputBias, ReadOnlySpan<int> recurrentBias, ReadOnlySpan<int> inputMultipliers, ReadOnlySpan<int> inputShifts,
        ReadOnlySpan<int> recurrentMultipliers, ReadOnlySpan<int> recurrentShifts, ReadOnlySpan<int> rescales, int clip, int zeroPoint, Span<sbyte> workspace)
    {
        int directions = direction == 2 ? 2 : 1, state = directions * batch * hidden;
        Span<sbyte> y = workspace.Slice(0, sequence * state), lastH = workspace.Slice(sequence * state, state);
        y.Fill((sbyte)zeroPoint); // outputs past a sequence's end are real 0
        for (int d = 0; d < directions; d++)
        {
            bool reverse = direction == 1 || d == 1;
            for (int b = 0; b < batch; b++)
            {
                Span<sbyte> h = lastH.Slice((d * batch + b) * hidden, hidden);
                int initial = (layout == 0 ? d * batch + b : b * directions + d) * hidden;
                for (int j = 0; j < hidden; j++)
                    h[j] = initialH.IsEmpty ? (sbyte)zeroPoint
                        : (sbyte)RecurrentClamp(zeroPoint + RecurrentScale(initialH[initial + j] - rescales[2], rescales[3], rescales[4]), -128, 127);
                int length = sequenceLengths.IsEmpty ? sequence : sequenceLengths[b];
                length = length < 0 ? 0 : length > sequence ? sequence : length;
                for (int s = 0; s < length; s++)
                {
                    int t = reverse ? length - 1 - s : s;
                    ReadOnlySpan<sbyte> xt = x.Slice((layout == 0 ? t * batch + b : b * sequence + t) * inputSize, inputSize);
                    Span<sbyte> next = y.Slice(((t * directions + d) * batch + b) * hidden, hidden);
                    for (int j = 0; j < hidden; j++)
                    {
                        int row = d * hidden + j;
                        int value = RecurrentTanh(RecurrentClamp(RecurrentGateSide(weights, xt, row, inputBias, inputMultipliers, inputShifts)
                            + RecurrentGateSide(recurrence, h, row, recurrentBias, recurrentMultipliers, recurrentShifts), -clip, clip), 12);
                        next[j] = (sbyte)RecurrentClamp(zeroPoint + RecurrentScale(value, rescales[0], rescales[1]), -128, 127);
                    }
                    next.CopyTo(h);
                }
            }
        }
    }
    // </emit>

    // <emit Nano>
    /// <summary>The integer RNN layer on arrays (see the .NET flavour); null arrays mean full lengths and a zero initial state.</summary>
    public static void RnnInt8Layer(sbyte[] x, int xOffset, int[] sequenceLengths, int lengthsOffset, sbyte[] initialH, int initialHOffset,
        int sequence, int batch, int inputSize, int hidden, int direction, int layout, sbyte[] weights, sbyte[] recurrence, int[] inputBias,
        int[] recurrentBias, int[] inputMultipliers, int[] inputShifts, int[] recurrentMultipliers, int[] recurrentShifts, int[] rescales,
        int clip, int zeroPoint, sbyte[] workspace, int workspaceOffset)
    {
        int directions = direction == 2 ? 2 : 1, state = directions * batch * hidden, lastH = workspaceOffset + sequence * state;
        for (int k = workspaceOffset; k < lastH; k++) workspace[k] = (sbyte)zeroPoint;
        for (int d = 0; d < directions; d++)
        {
            bool reverse = direction == 1 || d == 1;
            for (int b = 0; b < batch; b++)
            {
                int h = lastH + (d * batch + b) * hidden;
                int initial = (layout == 0 ? d * batch + b : b * directions + d) * hidden;
                for (int j = 0; j < hidden; j++)
                    workspace[h + j] = initialH == null ? (sbyte)zeroPoint
                        : (sbyte)RecurrentClamp(zeroPoint + RecurrentScale(initialH[initialHOffset + initial + j] - rescales[2], rescales[3], rescales[4]), -128, 127);
                int length = sequenceLengths == null ? sequence : sequenceLengths[lengthsOffset + b];
                length = length < 0 ? 0 : length > sequence ? sequence : length;
                for (int s = 0; s < length; s++)
                {
                    int t = reverse ? length - 1 - s : s;
                    int xt = xOffset + (layout == 0 ? t * batch + b : b * sequence + t) * inputSize;
                    int next = workspaceOffset + ((t * directions + d) * batch + b) * hidden;
                    for (int j = 0; j < hidden; j++)
                    {
                        int row = d * hidden + j;
                        int value = RecurrentTanh(RecurrentClamp(RecurrentGateSide(weights, x, xt, inputSize, row, inputBias, inputMultipliers, inputShifts)
                            + RecurrentGateSide(recurrence, workspace, h, hidden, row, recurrentBias, recurrentMultipliers, recurrentShifts), -clip, clip), 12);
                        workspace[next + j] = (sbyte)RecurrentClamp(zeroPoint + RecurrentScale(value, rescales[0], rescales[1]), -128, 127);
                    }
                    for (int j = 0; j < hidden; j++) workspace[h + j] = workspace[next + j];
                }
            }
        }
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w) => Parts.Write(w);

    public static RnnInt8 Read(PlanBinaryReader r, string source) => new(source, RecurrentInt8Parts.Read(r));

    protected override void Emit(CodeWriter code, string name, bool nano) =>
        code.Line($"// RNN, {DirectionText}, integer: pre-activation in Q3.12, tanh in Q0.15")
            .Line($"RnnInt8Layer({Argument(code, Input, nano)}, {Argument(code, SequenceLengths, name + "SequenceLengths", nano)}, " +
                  $"{Argument(code, InitialH, name + "InitialH", nano)},")
            .Line($"    {Shape},")
            .Line($"    {RecurrentGates.Arguments(name)}, {name}Rescales,")
            .Line($"    clip: {Clip}, zeroPoint: {ZeroPoint}, {Argument(code, Output, nano)});");
}
