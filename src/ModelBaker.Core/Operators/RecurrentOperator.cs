using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using ModelBaker.Core.Plan;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// What RNN, GRU and LSTM share: inputs X, W, R, B, sequence_lens, initial_h (and LSTM's initial_c, P), outputs Y, Y_h
/// (and Y_c), the attributes direction, layout, hidden_size, activations with activation_alpha / activation_beta, and
/// clip. The whole layer is one <see cref="RecurrentFloat"/> step writing a workspace, from which Remap steps copy the
/// outputs the graph reads. Activation arguments are consumed and defaulted as ONNX Runtime does (LeakyRelu 0.01,
/// HardSigmoid 0.2 and 0.5, Elu 1, others 0), since ONNX states no defaults for them.
/// </summary>
public abstract class RecurrentOperator : IOperator, IBakeTimeInputs
{
    public abstract string OpType { get; }

    public abstract OperatorSupport Support { get; }

    /// <summary>What LSTM, GRU and RNN share: every attribute, one recurrent step keeping its state in the arena; by default a float island in int8 plans.</summary>
    protected static OperatorSupport Recurrent(string what, Int8Form int8 = Int8Form.FloatIsland, string int8Details = "the state stays float", bool nano = false,
        string nanoDetails = "") =>
        new(OperatorFamily.Recurrent, 7, what + "; forward, reverse, bidirectional; sequence_lens constant or read at run time (outputs past a sequence's end zero); " +
            "initial states; layout 0 and 1; clip; activations Relu, Tanh, Sigmoid, Affine, LeakyRelu, ThresholdedRelu, ScaledTanh, HardSigmoid, Elu, Softsign, " +
            "Softplus with activation_alpha / activation_beta defaulted as ONNX Runtime; Y and the final states each optional; weights constant; one recurrent step, Remap steps for the outputs",
            int8, int8Details, nano) { NanoDetails = nanoDetails, Refuses = new[] { "activations ONNX does not define for recurrent layers", "W, R, B or P computed at run time" } };

    protected abstract RecurrentCell Cell { get; }
    /// <summary>The activations of one direction when the node names none.</summary>
    protected abstract string[] DefaultActivations { get; }

    /// <summary>W, R, B (and LSTM's P): the weights exporters write as initializers.</summary>
    public IReadOnlyList<int> BakeTimeInputs => Cell == RecurrentCell.Lstm ? new[] { 1, 2, 3, 7 } : new[] { 1, 2, 3 };

    private int MaxInputs => Cell == RecurrentCell.Lstm ? 8 : 6;
    private int Gates => RecurrentFloat.GateCount(Cell);

    /// <summary>Name, code, whether it reads alpha and beta, and ONNX Runtime's defaults for them.</summary>
    private static readonly (string Name, RecurrentActivation Code, bool Alpha, bool Beta, float DefaultAlpha, float DefaultBeta)[] Functions =
    {
        ("Relu", RecurrentActivation.Relu, false, false, 0f, 0f),
        ("Tanh", RecurrentActivation.Tanh, false, false, 0f, 0f),
        ("Sigmoid", RecurrentActivation.Sigmoid, false, false, 0f, 0f),
        ("Affine", RecurrentActivation.Affine, true, true, 0f, 0f),
        ("LeakyRelu", RecurrentActivation.LeakyRelu, true, false, 0.01f, 0f),
        ("ThresholdedRelu", RecurrentActivation.ThresholdedRelu, true, false, 0f, 0f),
        ("ScaledTanh", RecurrentActivation.ScaledTanh, true, true, 0f, 0f),
        ("HardSigmoid", RecurrentActivation.HardSigmoid, true, true, 0.2f, 0.5f),
        ("Elu", RecurrentActivation.Elu, true, false, 1f, 0f),
        ("Softsign", RecurrentActivation.Softsign, false, false, 0f, 0f),
        ("Softplus", RecurrentActivation.Softplus, false, false, 0f, 0f),
    };

    /// <summary>The layer's sizes and attributes, checked against its inputs' shapes.</summary>
    private sealed record Layer(int Sequence, int Batch, int InputSize, int Hidden, int Direction, int Layout,
        int[] Activations, float[] Alphas, float[] Betas, float Clip, bool InputForget, bool LinearBeforeReset)
    {
        public int Directions => Direction == 2 ? 2 : 1;
    }

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 3, MaxInputs);
        for (int i = 0; i < node.Inputs.Count; i++)
            if (i != 4 && OptionalInput(node, i) != null) RequireFloat(node, graph, i);
        if (OptionalInput(node, 4) is { } lengths && graph[lengths].Type != ElementType.Int32)
            throw InvalidGraph(node, $"its sequence_lens '{lengths}' is {graph[lengths].Type}; ONNX defines it as int32.");
        var layer = Check(node, i => OptionalInput(node, i) == null ? null : InputShape(node, graph, i));
        for (int i = 0; i < node.Outputs.Count; i++) SetOutput(node, graph, i, ElementType.Float32, OutputShape(layer, i));
    }

    private int[] OutputShape(Layer l, int output) => output == 0
        ? l.Layout == 0 ? new[] { l.Sequence, l.Directions, l.Batch, l.Hidden } : new[] { l.Batch, l.Sequence, l.Directions, l.Hidden }
        : l.Layout == 0 ? new[] { l.Directions, l.Batch, l.Hidden } : new[] { l.Batch, l.Directions, l.Hidden };

    /// <summary>Attributes and input shapes (<paramref name="shapeOf"/> gives null for an omitted input) checked together.</summary>
    private Layer Check(Node node, Func<int, int[]?> shapeOf)
    {
        if (node.Outputs.Count > (Cell == RecurrentCell.Lstm ? 3 : 2))
            throw InvalidGraph(node, $"it has {node.Outputs.Count} outputs; {OpType} has {(Cell == RecurrentCell.Lstm ? 3 : 2)}.");
        string directionName = node.GetString("direction") ?? "forward";
        int direction = directionName switch
        {
            "forward" => 0,
            "reverse" => 1,
            "bidirectional" => 2,
            _ => throw InvalidGraph(node, $"its direction '{Text.Printable(directionName)}' is none of forward, reverse, bidirectional."),
        };
        int directions = direction == 2 ? 2 : 1;
        long layout = node.GetInt("layout", 0);
        if (layout is not (0 or 1)) throw InvalidGraph(node, $"its layout {layout} is neither 0 (sequence first) nor 1 (batch first).");

        int[] x = shapeOf(0)!, w = shapeOf(1)!, r = shapeOf(2)!;
        if (x.Length != 3) throw ShapeError(node, $"X {ShapeMath.Format(x)} must have rank 3.");
        int sequence = layout == 0 ? x[0] : x[1], batch = layout == 0 ? x[1] : x[0], inputSize = x[2];
        if (r.Length != 3) throw ShapeError(node, $"R {ShapeMath.Format(r)} must be [num_directions, {Gates} · hidden_size, hidden_size].");
        long hiddenSize = node.GetInt("hidden_size", r[2]);
        if (hiddenSize < 1 || hiddenSize > int.MaxValue) throw InvalidGraph(node, $"its hidden_size {hiddenSize} is not a positive size.");
        int hidden = (int)hiddenSize, rows = Gates * hidden;
        Expect(node, "W", w, new[] { directions, rows, inputSize });
        Expect(node, "R", r, new[] { directions, rows, hidden });
        if (shapeOf(3) is { } b) Expect(node, "B", b, new[] { directions, 2 * rows });
        if (shapeOf(4) is { } lengths) Expect(node, "sequence_lens", lengths, new[] { batch });
        int[] stateShape = layout == 0 ? new[] { directions, batch, hidden } : new[] { batch, directions, hidden };
        if (shapeOf(5) is { } h) Expect(node, "initial_h", h, stateShape);
        if (Cell == RecurrentCell.Lstm && shapeOf(6) is { } c) Expect(node, "initial_c", c, stateShape);
        if (Cell == RecurrentCell.Lstm && shapeOf(7) is { } p) Expect(node, "P", p, new[] { directions, 3 * hidden });

        float clip = float.PositiveInfinity;
        if (node.Attributes.ContainsKey("clip"))
        {
            clip = node.GetFloat("clip", 0f);
            if (!(clip > 0f)) throw InvalidGraph(node, $"its clip {clip} must be a positive threshold.");
        }
        long inputForget = Cell == RecurrentCell.Lstm ? node.GetInt("input_forget", 0) : 0;
        long linearBeforeReset = Cell == RecurrentCell.Gru ? node.GetInt("linear_before_reset", 0) : 0;
        if (inputForget is not (0 or 1)) throw InvalidGraph(node, $"its input_forget {inputForget} is neither 0 nor 1.");
        if (linearBeforeReset is not (0 or 1)) throw InvalidGraph(node, $"its linear_before_reset {linearBeforeReset} is neither 0 nor 1.");
        var (codes, alphas, betas) = ParseActivations(node, directions);
        return new Layer(sequence, batch, inputSize, hidden, direction, (int)layout, codes, alphas, betas, clip, inputForget == 1, linearBeforeReset == 1);
    }

    private static void Expect(Node node, string role, int[] actual, int[] expected)
    {
        if (!actual.SequenceEqual(expected))
            throw ShapeError(node, $"{role} is {ShapeMath.Format(actual)}; X, hidden_size and direction make it {ShapeMath.Format(expected)}.");
    }

    /// <summary>
    /// The activations of every direction (one set given for a bidirectional layer serves both, as in ONNX Runtime),
    /// each taking the next alpha and beta it reads from activation_alpha / activation_beta, or the default.
    /// </summary>
    private (int[] Codes, float[] Alphas, float[] Betas) ParseActivations(Node node, int directions)
    {
        int perDirection = RecurrentFloat.ActivationsPerDirection(Cell);
        string[] names = Attribute<string[]>(node, "activations", AttributeKind.Strings, a => a.Strings)
            ?? Enumerable.Range(0, directions).SelectMany(_ => DefaultActivations).ToArray();
        if (directions == 2 && names.Length == perDirection) names = names.Concat(names).ToArray();
        if (names.Length != perDirection * directions)
            throw InvalidGraph(node, $"it names {names.Length} activations; {OpType} takes {perDirection} per direction ({perDirection * directions} here).");
        float[] alphaList = Attribute<float[]>(node, "activation_alpha", AttributeKind.Floats, a => a.Floats) ?? Array.Empty<float>();
        float[] betaList = Attribute<float[]>(node, "activation_beta", AttributeKind.Floats, a => a.Floats) ?? Array.Empty<float>();
        var codes = new int[names.Length];
        var alphas = new float[names.Length];
        var betas = new float[names.Length];
        int nextAlpha = 0, nextBeta = 0;
        for (int i = 0; i < names.Length; i++)
        {
            var f = Functions.FirstOrDefault(f => string.Equals(f.Name, names[i], StringComparison.OrdinalIgnoreCase));
            if (f.Name == null)
                throw UnsupportedUsage(node, $"its activation '{Text.Printable(names[i])}' is not one ONNX defines for recurrent layers.",
                    $"Use one of {string.Join(", ", Functions.Select(g => g.Name))} (re-export the model with a supported activation).");
            codes[i] = (int)f.Code;
            if (f.Alpha) alphas[i] = nextAlpha < alphaList.Length ? alphaList[nextAlpha++] : f.DefaultAlpha;
            if (f.Beta) betas[i] = nextBeta < betaList.Length ? betaList[nextBeta++] : f.DefaultBeta;
        }
        return (codes, alphas, betas);
    }

    /// <summary>A list attribute (Node has typed getters for scalars and ints only); another type is the model's error.</summary>
    private static T? Attribute<T>(Node node, string name, AttributeKind kind, Func<Ir.Attribute, T?> payload) where T : class
    {
        if (!node.Attributes.TryGetValue(name, out var a)) return null;
        if (a.Kind != kind && a.Kind != AttributeKind.Unspecified)
            throw new BakeException(ErrorCodes.AttributeTypeMismatch,
                $"Node {node.Describe()} has attribute '{name}' of type {a.Kind}, but {node.OpType} defines it as {kind}. Re-export the model or check it with onnx.checker.");
        return payload(a);
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var l = Check(node, i => i < inputs.Length ? inputs[i]?.Shape : null);
        int rows = Gates * l.Hidden;
        Tensor? Optional(int i) => i < inputs.Length ? inputs[i] : null;
        float[] bias = Optional(3) is { } b ? Floats(node, b, 3) : new float[l.Directions * 2 * rows];
        int[] lengths = Optional(4) is { } s ? s.Int64s!.Select(v => (int)v).ToArray() : Array.Empty<int>();
        float[] initialH = Optional(5) is { } h ? Floats(node, h, 5) : Array.Empty<float>();
        float[] initialC = Cell == RecurrentCell.Lstm && Optional(6) is { } c ? Floats(node, c, 6) : Array.Empty<float>();
        float[] peepholes = Cell == RecurrentCell.Lstm && Optional(7) is { } p ? Floats(node, p, 7) : Array.Empty<float>();
        var workspace = new float[RecurrentFloat.WorkspaceLength(Cell, l.Sequence, l.Batch, l.Hidden, l.Directions)];
        RecurrentFloat.RecurrentLayer((int)Cell, Floats(node, Required(node, inputs, 0), 0), lengths, initialH, initialC,
            l.Sequence, l.Batch, l.InputSize, l.Hidden, l.Direction, l.Layout,
            Floats(node, Required(node, inputs, 1), 1), Floats(node, Required(node, inputs, 2), 2), bias, peepholes,
            l.Activations, l.Alphas, l.Betas, l.Clip, l.InputForget, l.LinearBeforeReset, workspace);
        return Enumerable.Range(0, node.Outputs.Count).Select(i =>
        {
            var (shape, offsets) = OutputMap(l, i);
            var y = new float[ShapeMath.Length(shape)];
            Remap.RemapElements<float>(workspace, shape, offsets, 0f, y);
            return Tensor.FromFloats(shape, y);
        }).ToArray();
    }

    /// <summary>Output <paramref name="output"/> (Y, Y_h, Y_c) in the node's layout, as a Remap of the workspace.</summary>
    private (int[] Shape, int[] Offsets) OutputMap(Layer l, int output)
    {
        int state = l.Directions * l.Batch * l.Hidden;
        int start = output == 0 ? 0 : (l.Sequence + output - 1) * state;
        // Each axis of the workspace's order: its size and stride; layout 1 puts batch first.
        var sequenceAxis = (Size: l.Sequence, Stride: state);
        var directionAxis = (Size: l.Directions, Stride: l.Batch * l.Hidden);
        var batchAxis = (Size: l.Batch, Stride: l.Hidden);
        var hiddenAxis = (Size: l.Hidden, Stride: 1);
        var axes = output == 0
            ? l.Layout == 0 ? new[] { sequenceAxis, directionAxis, batchAxis, hiddenAxis } : new[] { batchAxis, sequenceAxis, directionAxis, hiddenAxis }
            : l.Layout == 0 ? new[] { directionAxis, batchAxis, hiddenAxis } : new[] { batchAxis, directionAxis, hiddenAxis };
        int[] offsets = axes.SelectMany((a, d) => Enumerable.Range(0, a.Size).Select(c => c * a.Stride + (d == 0 ? start : 0))).ToArray();
        return (OutputShape(l, output), offsets);
    }

    public void Lower(Node node, LoweringContext context)
    {
        var used = Enumerable.Range(0, node.Outputs.Count).Where(i => node.Outputs[i].Length > 0 && context.IsUsed(node.Outputs[i])).ToList();
        if (used.Count == 0) return;
        var x = context.Activation(node, 0, "X");
        var l = Check(node, i => context.HasInput(node, i) ? context.Shape(node.Inputs[i]) : null);
        int rows = Gates * l.Hidden;
        float[] weights = context.Constant(node, 1, "W").AsFloats(), recurrence = context.Constant(node, 2, "R").AsFloats();
        float[] bias = context.HasInput(node, 3) ? context.Constant(node, 3, "B").AsFloats() : new float[l.Directions * 2 * rows];
        float[] peepholes = Cell == RecurrentCell.Lstm && context.HasInput(node, 7) ? context.Constant(node, 7, "P").AsFloats() : Array.Empty<float>();
        if (peepholes.All(v => v == 0f)) peepholes = Array.Empty<float>(); // zero peepholes add nothing

        Operand<int>? lengths = null;
        if (context.HasInput(node, 4))
        {
            var value = context.Graph[node.Inputs[4]];
            if (value.Constant is { } constant)
            {
                int[] data = constant.Int64s!.Select(v => (int)v).ToArray();
                if (data.Any(v => v < 1 || v > l.Sequence))
                    throw InvalidGraph(node, $"its sequence_lens [{string.Join(", ", data)}] must lie in 1 … {l.Sequence}, the sequence length of X.");
                if (data.Any(v => v != l.Sequence)) lengths = new Operand<int>(null, data, Array.Empty<int>());
            }
            else lengths = new Operand<int>(context.Slice(value.Name), null, Array.Empty<int>());
        }
        var initialH = State(node, context, 5);
        var initialC = Cell == RecurrentCell.Lstm ? State(node, context, 6) : null;

        string workspaceName = node.Outputs[used[0]] + " (recurrent workspace)";
        var workspace = new ArenaSlice(workspaceName, ElementType.Float32, RecurrentFloat.WorkspaceLength(Cell, l.Sequence, l.Batch, l.Hidden, l.Directions));
        context.Add(RecurrentFloat.For(node.Describe(), Cell, context.Slice(x.Name), workspace, lengths, initialH, initialC,
            l.Sequence, l.Batch, l.InputSize, l.Hidden, l.Direction, l.Layout, weights, recurrence, bias, peepholes,
            l.Activations, l.Alphas, l.Betas, l.Clip, l.InputForget, l.LinearBeforeReset, cellStateRead: used.Contains(2)));
        foreach (int i in used)
        {
            var (shape, offsets) = OutputMap(l, i);
            context.Add(new Remap(node.Describe(), workspace, context.Slice(node.Outputs[i]), shape, offsets, new[] { 0f }));
        }
    }

    /// <summary>An initial state: read from the arena, baked in when constant, or null (zeros) when omitted or all zero.</summary>
    private static Operand<float>? State(Node node, LoweringContext context, int index)
    {
        if (!context.HasInput(node, index)) return null;
        var value = context.Graph[node.Inputs[index]];
        if (value.Constant is not { } constant) return new Operand<float>(context.Slice(value.Name), null, Array.Empty<int>());
        float[] data = constant.AsFloats();
        return data.All(v => v == 0f) ? null : new Operand<float>(null, data, Array.Empty<int>());
    }
}
