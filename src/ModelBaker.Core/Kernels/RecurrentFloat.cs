using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;
using static ModelBaker.Core.Kernels.UnaryFloat;

namespace ModelBaker.Core.Kernels;

/// <summary>The cell a <see cref="RecurrentFloat"/> step runs; its gate count is <see cref="RecurrentFloat.GateCount"/>.</summary>
public enum RecurrentCell : byte
{
    /// <summary>One gate: H = f(X·Wᵀ + H·Rᵀ + Wb + Rb).</summary>
    Rnn = 0,
    /// <summary>Gates z, r, h.</summary>
    Gru = 1,
    /// <summary>Gates i, o, f, c, with optional peepholes.</summary>
    Lstm = 2,
}

/// <summary>
/// The activations ONNX's recurrent operators may name. The seven UnaryFloat computes keep its codes; the four it
/// does not have take codes of their own above 100.
/// </summary>
public enum RecurrentActivation
{
    Relu = UnaryFunction.Relu,
    Sigmoid = UnaryFunction.Sigmoid,
    Tanh = UnaryFunction.Tanh,
    LeakyRelu = UnaryFunction.LeakyRelu,
    HardSigmoid = UnaryFunction.HardSigmoid,
    Elu = UnaryFunction.Elu,
    Softplus = UnaryFunction.Softplus,
    /// <summary>alpha · x + beta.</summary>
    Affine = 101,
    /// <summary>x &gt; alpha ? x : 0.</summary>
    ThresholdedRelu = 102,
    /// <summary>alpha · tanh(beta · x).</summary>
    ScaledTanh = 103,
    /// <summary>x / (1 + |x|).</summary>
    Softsign = 104,
}

/// <summary>
/// A whole RNN, GRU or LSTM layer in float: every direction, batch entry and time step. It writes one workspace
/// slice, which holds in order Y ([sequence, directions, batch, hidden], zero past each entry's sequence length),
/// Y_h and (LSTM) Y_c ([directions, batch, hidden], the state after each entry's last valid step) and the
/// scratch of one step (and, for LSTM, the smallest and largest cell state of the run, which calibration reads);
/// Remap steps copy Y, Y_h and Y_c out of it in the layout the node asks for. X, the initial states and the sequence
/// lengths are read in the node's layout; W, R, B and P are baked in. A layer with its default activations has an
/// integer form (<see cref="RecurrentInt8"/>); every other layer is a <see cref="RecurrentFloatIsland"/> (<see cref="For"/>).
/// </summary>
public class RecurrentFloat : FloatKernel, IObservedParts
{
    /// <summary>The step for a layer: this class when it has an int8 form, else a <see cref="RecurrentFloatIsland"/>.</summary>
    public static RecurrentFloat For(string source, RecurrentCell cell, ArenaSlice input, ArenaSlice output,
        Operand<int>? sequenceLengths, Operand<float>? initialH, Operand<float>? initialC,
        int sequence, int batch, int inputSize, int hidden, int direction, int layout,
        float[] weights, float[] recurrence, float[] bias, float[] peepholes,
        int[] activations, float[] alphas, float[] betas, float clip, bool inputForget, bool linearBeforeReset, bool cellStateRead) =>
        RecurrentInt8.Takes(cell, activations)
            ? new RecurrentFloat(source, cell, input, output, sequenceLengths, initialH, initialC, sequence, batch, inputSize, hidden, direction, layout,
                weights, recurrence, bias, peepholes, activations, alphas, betas, clip, inputForget, linearBeforeReset, cellStateRead)
            : new RecurrentFloatIsland(source, cell, input, output, sequenceLengths, initialH, initialC, sequence, batch, inputSize, hidden, direction, layout,
                weights, recurrence, bias, peepholes, activations, alphas, betas, clip, inputForget, linearBeforeReset, cellStateRead);

    protected RecurrentFloat(string source, RecurrentCell cell, ArenaSlice input, ArenaSlice output,
        Operand<int>? sequenceLengths, Operand<float>? initialH, Operand<float>? initialC,
        int sequence, int batch, int inputSize, int hidden, int direction, int layout,
        float[] weights, float[] recurrence, float[] bias, float[] peepholes,
        int[] activations, float[] alphas, float[] betas, float clip, bool inputForget, bool linearBeforeReset, bool cellStateRead) : base(source)
    {
        int directions = direction == 2 ? 2 : 1, gates = GateCount(cell);
        if (weights.Length != directions * gates * hidden * inputSize || recurrence.Length != directions * gates * hidden * hidden
            || bias.Length != directions * 2 * gates * hidden || (peepholes.Length != 0 && peepholes.Length != directions * 3 * hidden)
            || activations.Length != directions * ActivationsPerDirection(cell) || alphas.Length != activations.Length || betas.Length != activations.Length
            || output.Length != WorkspaceLength(cell, sequence, batch, hidden, directions))
            throw new ArgumentException("Weights, activations or workspace do not fit the layer.");
        Cell = cell;
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
        Bias = bias;
        Peepholes = peepholes;
        Activations = activations;
        Alphas = alphas;
        Betas = betas;
        Clip = clip;
        InputForget = inputForget;
        LinearBeforeReset = linearBeforeReset;
        CellStateRead = cellStateRead;
        int state = directions * batch * hidden;
        HiddenStates = new ArenaSlice(output.TensorName + " (hidden states)", ElementType.Float32, sequence * state);
        CellStates = new ArenaSlice(output.TensorName + " (cell state extremes)", ElementType.Float32, 2);
        ObservedParts = cell == RecurrentCell.Lstm
            ? new[] { (HiddenStates, 0), (CellStates, output.Length - 2) }
            : new[] { (HiddenStates, 0) };
    }

    public RecurrentCell Cell { get; }
    /// <summary>X: [sequence, batch, input] (layout 0) or [batch, sequence, input] (layout 1).</summary>
    public ArenaSlice Input { get; }
    /// <summary>The workspace: Y, Y_h, Y_c (LSTM) and the scratch of one step (<see cref="WorkspaceLength"/>).</summary>
    public override ArenaSlice Output { get; }
    /// <summary>One length per batch entry (int32), or null: every entry runs the whole sequence.</summary>
    public Operand<int>? SequenceLengths { get; }
    /// <summary>[directions, batch, hidden] (layout 0) or [batch, directions, hidden] (layout 1), or null: zeros.</summary>
    public Operand<float>? InitialH { get; }
    public Operand<float>? InitialC { get; }
    public int Sequence { get; }
    public int Batch { get; }
    public int InputSize { get; }
    public int Hidden { get; }
    /// <summary>0 forward, 1 reverse, 2 bidirectional (forward, then reverse).</summary>
    public int Direction { get; }
    public int Layout { get; }
    /// <summary>W: [directions, gates · hidden, input].</summary>
    public float[] Weights { get; }
    /// <summary>R: [directions, gates · hidden, hidden].</summary>
    public float[] Recurrence { get; }
    /// <summary>B: [directions, 2 · gates · hidden], Wb then Rb (zeros when the node has none).</summary>
    public float[] Bias { get; }
    /// <summary>P: [directions, 3 · hidden] (LSTM's i, o, f peepholes), or empty.</summary>
    public float[] Peepholes { get; }
    /// <summary><see cref="RecurrentActivation"/> codes, <see cref="ActivationsPerDirection"/> per direction.</summary>
    public int[] Activations { get; }
    public float[] Alphas { get; }
    public float[] Betas { get; }
    /// <summary>Bound on every activation's input (positive infinity: no clip).</summary>
    public float Clip { get; }
    public bool InputForget { get; }
    public bool LinearBeforeReset { get; }
    /// <summary>Whether the graph reads Y_c (LSTM): its int8 form then gives the workspace a scale that holds the cell state too.</summary>
    public bool CellStateRead { get; }

    /// <summary>Calibration's key for Y, every hidden state the layer computes.</summary>
    public ArenaSlice HiddenStates { get; }
    /// <summary>Calibration's key for the smallest and largest cell state of the run (LSTM; the last two floats of the workspace).</summary>
    public ArenaSlice CellStates { get; }
    public IReadOnlyList<(ArenaSlice Key, int Offset)> ObservedParts { get; }

    public int Directions => Direction == 2 ? 2 : 1;

    public static int GateCount(RecurrentCell cell) => cell == RecurrentCell.Lstm ? 4 : cell == RecurrentCell.Gru ? 3 : 1;

    /// <summary>f (RNN); f, g (GRU); f, g, h (LSTM).</summary>
    public static int ActivationsPerDirection(RecurrentCell cell) => cell == RecurrentCell.Lstm ? 3 : cell == RecurrentCell.Gru ? 2 : 1;

    /// <summary>
    /// Floats of the workspace: Y, Y_h, Y_c (LSTM), two rows of gates and one hidden row of scratch, and for LSTM the
    /// smallest and largest cell state of the run.
    /// </summary>
    public static int WorkspaceLength(RecurrentCell cell, int sequence, int batch, int hidden, int directions)
    {
        int state = directions * batch * hidden;
        return sequence * state + state + (cell == RecurrentCell.Lstm ? state + 2 : 0) + 2 * GateCount(cell) * hidden + hidden;
    }

    /// <summary>A layer with its default activations becomes <see cref="LstmInt8"/>, <see cref="GruInt8"/> or <see cref="RnnInt8"/>.</summary>
    public override Kernel Quantize(QuantizationContext context) => RecurrentInt8.From(this, context);

    public override KernelKind Kind => KernelKind.RecurrentFloat;

    /// <summary>Y, Y_h and (LSTM) Y_c; the scratch after them is not a result.</summary>
    public override int ResultLength => (Sequence + (Cell == RecurrentCell.Lstm ? 2 : 1)) * Directions * Batch * Hidden;

    public override IEnumerable<ArenaSlice> Reads =>
        new[] { Input, SequenceLengths?.Slice, InitialH?.Slice, InitialC?.Slice }.Where(s => s != null).Select(s => s!);

    public override int WeightBytes =>
        4 * (Weights.Length + Recurrence.Length + Bias.Length + Peepholes.Length + 3 * Activations.Length
             + (SequenceLengths?.Constant?.Length ?? 0) + (InitialH?.Constant?.Length ?? 0) + (InitialC?.Constant?.Length ?? 0));

    public override int Parameters => Weights.Length + Recurrence.Length + Peepholes.Length;
    public override int ZeroParameters => Weights.Count(w => w == 0f) + Recurrence.Count(w => w == 0f) + Peepholes.Count(w => w == 0f);
    public override IEnumerable<string> Helpers => new[] { nameof(RecurrentFloat), nameof(UnaryFloat) };

    public override void Run(PlanArena arena) =>
        RecurrentLayer((int)Cell, arena.Floats(Input), Data(SequenceLengths, arena), Data(InitialH, arena), Data(InitialC, arena),
            Sequence, Batch, InputSize, Hidden, Direction, Layout, Weights, Recurrence, Bias, Peepholes,
            Activations, Alphas, Betas, Clip, InputForget, LinearBeforeReset, arena.Floats(Output));

    private static ReadOnlySpan<T> Data<T>(Operand<T>? operand, PlanArena arena) =>
        operand == null ? default : operand.Constant ?? (ReadOnlySpan<T>)arena.Of<T>(operand.Slice!);

    // <emit>
    /// <summary>
    /// A recurrent layer (cell 0 RNN, 1 GRU, 2 LSTM) over every direction (0 forward, 1 reverse, 2 both), batch entry
    /// and time step. The workspace receives Y [sequence, directions, batch, hidden] (zero past each entry's length),
    /// Y_h and, for LSTM, Y_c [directions, batch, hidden], followed by the scratch of one step. X and the initial
    /// states are read in the node's layout (1: batch first); empty spans mean full lengths and zero initial states.
    /// </summary>
    public static void RecurrentLayer(int cell, ReadOnlySpan<float> x, ReadOnlySpan<int> sequenceLengths, ReadOnlySpan<float> initialH,
        ReadOnlySpan<float> initialC, int sequence, int batch, int inputSize, int hidden, int direction, int layout,
        ReadOnlySpan<float> weights, ReadOnlySpan<float> recurrence, ReadOnlySpan<float> bias, ReadOnlySpan<float> peepholes,
        ReadOnlySpan<int> activations, ReadOnlySpan<float> alphas, ReadOnlySpan<float> betas, float clip, bool inputForget,
        bool linearBeforeReset, Span<float> workspace)
    {
        int directions = direction == 2 ? 2 : 1, gates = cell == 2 ? 4 : cell == 1 ? 3 : 1, perDirection = cell == 2 ? 3 : cell == 1 ? 2 : 1;
        int state = directions * batch * hidden, rows = gates * hidden;
        Span<float> y = workspace.Slice(0, sequence * state);
        Span<float> lastH = workspace.Slice(sequence * state, state);
        Span<float> lastC = cell == 2 ? workspace.Slice((sequence + 1) * state, state) : Span<float>.Empty;
        Span<float> scratch = workspace.Slice((sequence + (cell == 2 ? 2 : 1)) * state);
        Span<float> inputGates = scratch.Slice(0, rows), stateGates = scratch.Slice(rows, rows), reset = scratch.Slice(2 * rows, hidden);
        // LSTM: the smallest and largest cell state, initial ones included, in the last two floats (calibration reads them).
        Span<float> cellExtremes = cell == 2 ? workspace.Slice(workspace.Length - 2) : Span<float>.Empty;
        cellExtremes.Clear();
        y.Clear(); // outputs past a sequence's end stay zero, as ONNX Runtime leaves them
        for (int d = 0; d < directions; d++)
        {
            bool reverse = direction == 1 || d == 1;
            ReadOnlySpan<float> w = weights.Slice(d * rows * inputSize, rows * inputSize), r = recurrence.Slice(d * rows * hidden, rows * hidden);
            ReadOnlySpan<float> inputBias = bias.Slice(2 * d * rows, rows), stateBias = bias.Slice((2 * d + 1) * rows, rows);
            ReadOnlySpan<float> p = peepholes.IsEmpty ? peepholes : peepholes.Slice(3 * d * hidden, 3 * hidden);
            ReadOnlySpan<int> act = activations.Slice(d * perDirection, perDirection);
            ReadOnlySpan<float> alpha = alphas.Slice(d * perDirection, perDirection), beta = betas.Slice(d * perDirection, perDirection);
            for (int b = 0; b < batch; b++)
            {
                Span<float> h = lastH.Slice((d * batch + b) * hidden, hidden);
                Span<float> c = cell == 2 ? lastC.Slice((d * batch + b) * hidden, hidden) : Span<float>.Empty;
                int initial = (layout == 0 ? d * batch + b : b * directions + d) * hidden;
                if (initialH.IsEmpty) h.Clear(); else initialH.Slice(initial, hidden).CopyTo(h);
                if (cell == 2) { if (initialC.IsEmpty) c.Clear(); else initialC.Slice(initial, hidden).CopyTo(c); Extremes(c, cellExtremes); }
                int length = sequenceLengths.IsEmpty ? sequence : sequenceLengths[b];
                length = length < 0 ? 0 : length > sequence ? sequence : length;
                for (int s = 0; s < length; s++)
                {
                    int t = reverse ? length - 1 - s : s;
                    ReadOnlySpan<float> xt = x.Slice((layout == 0 ? t * batch + b : b * sequence + t) * inputSize, inputSize);
                    MatrixVector(w, xt, inputBias, inputGates);
                    if (cell == 2)
                    {
                        MatrixVector(r, h, stateBias, stateGates);
                        LstmStep(inputGates, stateGates, p, act, alpha, beta, clip, inputForget, h, c);
                        Extremes(c, cellExtremes);
                    }
                    else if (cell == 1)
                    {
                        GruStep(inputGates, stateGates, r, stateBias, act, alpha, beta, clip, linearBeforeReset, reset, h);
                    }
                    else
                    {
                        MatrixVector(r, h, stateBias, stateGates);
                        for (int j = 0; j < hidden; j++)
                            h[j] = RecurrentActivate(act[0], alpha[0], beta[0], Bound(inputGates[j] + stateGates[j], clip));
                    }
                    h.CopyTo(y.Slice(((t * directions + d) * batch + b) * hidden, hidden));
                }
            }
        }
    }

    /// <summary>Widens extremes[0] … extremes[1] to hold every value.</summary>
    public static void Extremes(ReadOnlySpan<float> values, Span<float> extremes)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] < extremes[0]) extremes[0] = values[i];
            if (values[i] > extremes[1]) extremes[1] = values[i];
        }
    }

    /// <summary>
    /// One LSTM step on gates i, o, f, c (rows of <paramref name="inputGates"/> = W·x + Wb and <paramref name="stateGates"/>
    /// = R·h + Rb): i = f(. + Pi ⊙ c), f = f(. + Pf ⊙ c) or 1 − i (input_forget), c' = f ⊙ c + i ⊙ g(.),
    /// o = f(. + Po ⊙ c'), h' = o ⊙ h(c'); every activation input clipped to ±clip.
    /// </summary>
    public static void LstmStep(ReadOnlySpan<float> inputGates, ReadOnlySpan<float> stateGates, ReadOnlySpan<float> peepholes,
        ReadOnlySpan<int> act, ReadOnlySpan<float> alpha, ReadOnlySpan<float> beta, float clip, bool inputForget, Span<float> h, Span<float> c)
    {
        int hidden = h.Length;
        for (int j = 0; j < hidden; j++)
        {
            int o = hidden + j, f = 2 * hidden + j, g = 3 * hidden + j;
            float inputGate = inputGates[j] + stateGates[j], forgetGate = inputGates[f] + stateGates[f];
            if (!peepholes.IsEmpty)
            {
                inputGate += peepholes[j] * c[j];
                forgetGate += peepholes[f] * c[j];
            }
            float i = RecurrentActivate(act[0], alpha[0], beta[0], Bound(inputGate, clip));
            float forget = inputForget ? 1f - i : RecurrentActivate(act[0], alpha[0], beta[0], Bound(forgetGate, clip));
            float candidate = RecurrentActivate(act[1], alpha[1], beta[1], Bound(inputGates[g] + stateGates[g], clip));
            float cell = forget * c[j] + i * candidate;
            float outputGate = inputGates[o] + stateGates[o] + (peepholes.IsEmpty ? 0f : peepholes[o] * cell);
            c[j] = cell;
            h[j] = RecurrentActivate(act[0], alpha[0], beta[0], Bound(outputGate, clip)) * RecurrentActivate(act[2], alpha[2], beta[2], cell);
        }
    }

    /// <summary>
    /// One GRU step on gates z, r, h (<paramref name="inputGates"/> = W·x + Wb): z and r from R·h + Rb, then
    /// h̃ = g(Wh·x + Wbh + r ⊙ (Rh·h + Rbh)) with linear_before_reset, else g(Wh·x + Wbh + Rh·(r ⊙ h) + Rbh), and
    /// h' = (1 − z) ⊙ h̃ + z ⊙ h; every activation input clipped to ±clip. <paramref name="reset"/> is scratch.
    /// </summary>
    public static void GruStep(Span<float> inputGates, Span<float> stateGates, ReadOnlySpan<float> recurrence, ReadOnlySpan<float> stateBias,
        ReadOnlySpan<int> act, ReadOnlySpan<float> alpha, ReadOnlySpan<float> beta, float clip, bool linearBeforeReset,
        Span<float> reset, Span<float> h)
    {
        int hidden = h.Length;
        ReadOnlySpan<float> candidateRows = recurrence.Slice(2 * hidden * hidden, hidden * hidden), candidateBias = stateBias.Slice(2 * hidden, hidden);
        MatrixVector(recurrence.Slice(0, 2 * hidden * hidden), h, stateBias.Slice(0, 2 * hidden), stateGates.Slice(0, 2 * hidden));
        for (int j = 0; j < 2 * hidden; j++) // z and r, kept in the input gates' rows
            inputGates[j] = RecurrentActivate(act[0], alpha[0], beta[0], Bound(inputGates[j] + stateGates[j], clip));
        Span<float> candidate = stateGates.Slice(2 * hidden, hidden);
        if (linearBeforeReset)
        {
            MatrixVector(candidateRows, h, candidateBias, candidate);
            for (int j = 0; j < hidden; j++) candidate[j] *= inputGates[hidden + j];
        }
        else
        {
            for (int j = 0; j < hidden; j++) reset[j] = inputGates[hidden + j] * h[j];
            MatrixVector(candidateRows, reset, candidateBias, candidate);
        }
        for (int j = 0; j < hidden; j++)
        {
            float z = inputGates[j];
            float next = RecurrentActivate(act[1], alpha[1], beta[1], Bound(inputGates[2 * hidden + j] + candidate[j], clip));
            h[j] = (1f - z) * next + z * h[j];
        }
    }

    /// <summary>output[n] = bias[n] + Σk matrix[n, k] · vector[k] for the rows of a row-major matrix.</summary>
    public static void MatrixVector(ReadOnlySpan<float> matrix, ReadOnlySpan<float> vector, ReadOnlySpan<float> bias, Span<float> output)
    {
        int depth = vector.Length;
        for (int n = 0; n < output.Length; n++) output[n] = FloatDot(matrix.Slice(n * depth, depth), vector) + bias[n];
    }

    /// <summary>
    /// Σ a[i] · b[i] in eight interleaved partial sums (element i goes to sum i mod 8, the tail after the last full
    /// eight to the total), added pairwise at the end. The vectorised loop (compiled where .NET 8's intrinsics exist,
    /// i.e. in generated code) keeps the same eight sums in its lanes, multiplies and adds separately (no fused
    /// multiply-add) and combines them in the same order, so it gives exactly the scalar loop's float result.
    /// </summary>
    public static float FloatDot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        int i = 0, length = a.Length;
        float sum = 0f;
        if (length >= 8)
        {
            float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f, s4 = 0f, s5 = 0f, s6 = 0f, s7 = 0f;
#if NET8_0_OR_GREATER
            if (System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated)
            {
                ref float aStart = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(a);
                ref float bStart = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(b);
                var lanes = System.Runtime.Intrinsics.Vector256<float>.Zero;
                for (; i <= length - 8; i += 8)
                    lanes = System.Runtime.Intrinsics.Vector256.Add(lanes, System.Runtime.Intrinsics.Vector256.Multiply(
                        System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref aStart, (nuint)i), System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref bStart, (nuint)i)));
                s0 = System.Runtime.Intrinsics.Vector256.GetElement(lanes, 0); s1 = System.Runtime.Intrinsics.Vector256.GetElement(lanes, 1);
                s2 = System.Runtime.Intrinsics.Vector256.GetElement(lanes, 2); s3 = System.Runtime.Intrinsics.Vector256.GetElement(lanes, 3);
                s4 = System.Runtime.Intrinsics.Vector256.GetElement(lanes, 4); s5 = System.Runtime.Intrinsics.Vector256.GetElement(lanes, 5);
                s6 = System.Runtime.Intrinsics.Vector256.GetElement(lanes, 6); s7 = System.Runtime.Intrinsics.Vector256.GetElement(lanes, 7);
            }
#endif
            for (; i <= length - 8; i += 8)
            {
                s0 += a[i] * b[i]; s1 += a[i + 1] * b[i + 1]; s2 += a[i + 2] * b[i + 2]; s3 += a[i + 3] * b[i + 3];
                s4 += a[i + 4] * b[i + 4]; s5 += a[i + 5] * b[i + 5]; s6 += a[i + 6] * b[i + 6]; s7 += a[i + 7] * b[i + 7];
            }
            sum = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
        }
        for (; i < length; i++) sum += a[i] * b[i];
        return sum;
    }

    /// <summary>x clipped to [−clip, clip] (clip is +∞ when the node has none).</summary>
    public static float Bound(float x, float clip) => x > clip ? clip : x < -clip ? -clip : x;

    /// <summary>
    /// An ONNX recurrent activation: UnaryFloat's codes (0 Relu, 1 Sigmoid, 2 Tanh, 3 LeakyRelu, 4 HardSigmoid, 6 Elu,
    /// 8 Softplus) and 101 Affine, 102 ThresholdedRelu, 103 ScaledTanh, 104 Softsign.
    /// </summary>
    public static float RecurrentActivate(int function, float alpha, float beta, float x)
    {
        switch (function)
        {
            case 101: return alpha * x + beta;
            case 102: return x > alpha ? x : 0f;
            case 103: return alpha * (float)Math.Tanh(beta * x);
            case 104: return x / (1f + (x < 0f ? -x : x));
            default: return Apply(function, alpha, beta, x);
        }
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Byte((byte)Cell); w.Slice(Input); w.Slice(Output);
        w.OptionalOperand(SequenceLengths, w.Ints); w.OptionalOperand(InitialH, w.Floats); w.OptionalOperand(InitialC, w.Floats);
        w.Int(Sequence); w.Int(Batch); w.Int(InputSize); w.Int(Hidden); w.Int(Direction); w.Int(Layout);
        w.Floats(Weights); w.Floats(Recurrence); w.Floats(Bias); w.Floats(Peepholes);
        w.Ints(Activations); w.Floats(Alphas); w.Floats(Betas); w.Float(Clip);
        w.Byte((byte)((InputForget ? 1 : 0) | (LinearBeforeReset ? 2 : 0) | (CellStateRead ? 4 : 0)));
    }

    public static RecurrentFloat Read(PlanBinaryReader r, string source)
    {
        var cell = (RecurrentCell)r.Byte();
        ArenaSlice input = r.Slice(), output = r.Slice();
        var lengths = r.OptionalOperand(r.Ints);
        var initialH = r.OptionalOperand(r.Floats);
        var initialC = r.OptionalOperand(r.Floats);
        int sequence = r.Int(), batch = r.Int(), inputSize = r.Int(), hidden = r.Int(), direction = r.Int(), layout = r.Int();
        float[] weights = r.Floats(), recurrence = r.Floats(), bias = r.Floats(), peepholes = r.Floats();
        int[] activations = r.Ints();
        float[] alphas = r.Floats(), betas = r.Floats();
        float clip = r.Float();
        byte flags = r.Byte();
        return For(source, cell, input, output, lengths, initialH, initialC, sequence, batch, inputSize, hidden, direction,
            layout, weights, recurrence, bias, peepholes, activations, alphas, betas, clip, (flags & 1) != 0, (flags & 2) != 0, (flags & 4) != 0);
    }

    private static string Expression<T>(CodeWriter code, Operand<T>? operand, string constantName) =>
        operand == null ? "default" : operand.Slice != null ? operand.Slice.Expression(code) : constantName;

    public override void EmitCall(CodeWriter code, string name)
    {
        string activations = string.Join(", ", Activations.Select(a => ((RecurrentActivation)a).ToString()));
        code.Line($"// {Cell}, {(Direction == 2 ? "bidirectional" : Direction == 1 ? "reverse" : "forward")}, activations {activations}")
            .Line($"RecurrentLayer(cell: {(int)Cell}, {Input.Expression(code)}, {Expression(code, SequenceLengths, name + "SequenceLengths")}, " +
                  $"{Expression(code, InitialH, name + "InitialH")}, {Expression(code, InitialC, name + "InitialC")},")
            .Line($"    sequence: {Sequence}, batch: {Batch}, inputSize: {InputSize}, hidden: {Hidden}, direction: {Direction}, layout: {Layout},")
            .Line($"    {name}Weights, {name}Recurrence, {name}Bias, {(Peepholes.Length == 0 ? "default" : name + "Peepholes")}, " +
                  $"{name}Activations, {name}Alphas, {name}Betas, clip: {CodeWriter.Float(Clip)},")
            .Line($"    inputForget: {(InputForget ? "true" : "false")}, linearBeforeReset: {(LinearBeforeReset ? "true" : "false")}, {Output.Expression(code)});");
    }

    public override void EmitData(CodeWriter code, string name)
    {
        int gates = GateCount(Cell);
        EmitArrays.Floats(code, $"{name}Weights", Weights, $"W [{Directions} directions × {gates * Hidden} gate rows × {InputSize}]");
        EmitArrays.Floats(code, $"{name}Recurrence", Recurrence, $"R [{Directions} directions × {gates * Hidden} gate rows × {Hidden}]");
        EmitArrays.Floats(code, $"{name}Bias", Bias, $"B [{Directions} directions × (Wb, Rb) × {gates * Hidden}]");
        if (Peepholes.Length > 0) EmitArrays.Floats(code, $"{name}Peepholes", Peepholes, $"P [{Directions} directions × (i, o, f) × {Hidden}]");
        EmitArrays.Ints(code, $"{name}Activations", Activations, "activation codes (RecurrentActivate)");
        EmitArrays.Floats(code, $"{name}Alphas", Alphas, "activation alphas");
        EmitArrays.Floats(code, $"{name}Betas", Betas, "activation betas");
        if (SequenceLengths?.Constant is { } lengths) EmitArrays.Ints(code, $"{name}SequenceLengths", lengths, "sequence length per batch entry");
        if (InitialH?.Constant is { } h) EmitArrays.Floats(code, $"{name}InitialH", h, "initial hidden state");
        if (InitialC?.Constant is { } c) EmitArrays.Floats(code, $"{name}InitialC", c, "initial cell state");
    }
}

/// <summary>
/// A recurrent layer with no int8 form — one with other activations than its defaults (LSTM Sigmoid, Tanh, Tanh; GRU
/// Sigmoid, Tanh; RNN Tanh): an int8 plan runs it in float, in a float island, and the nanoFramework flavour refuses it (MB1135).
/// </summary>
public sealed class RecurrentFloatIsland : RecurrentFloat, IFloatOnlyKernel
{
    internal RecurrentFloatIsland(string source, RecurrentCell cell, ArenaSlice input, ArenaSlice output,
        Operand<int>? sequenceLengths, Operand<float>? initialH, Operand<float>? initialC,
        int sequence, int batch, int inputSize, int hidden, int direction, int layout,
        float[] weights, float[] recurrence, float[] bias, float[] peepholes,
        int[] activations, float[] alphas, float[] betas, float clip, bool inputForget, bool linearBeforeReset, bool cellStateRead)
        : base(source, cell, input, output, sequenceLengths, initialH, initialC, sequence, batch, inputSize, hidden, direction, layout,
            weights, recurrence, bias, peepholes, activations, alphas, betas, clip, inputForget, linearBeforeReset, cellStateRead)
    {
    }

    public string FloatOnlyReason =>
        $"its {Cell.ToString().ToUpperInvariant()} activations are not {DefaultActivationsText(Cell)}, the ones the integer {Cell.ToString().ToUpperInvariant()} computes in fixed point";

    private static string DefaultActivationsText(RecurrentCell cell) =>
        cell == RecurrentCell.Lstm ? "Sigmoid, Tanh, Tanh" : cell == RecurrentCell.Gru ? "Sigmoid, Tanh" : "Tanh";

    public override Kernel Quantize(QuantizationContext context) =>
        throw new InvalidOperationException($"{Source}: {nameof(RecurrentFloatIsland)} runs in a float island of an int8 plan; it has no int8 form.");
}
