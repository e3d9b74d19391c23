using System.Linq;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using ModelBaker.Core.Plan;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// ai.onnx.ml LinearClassifier: scores = X · coefficientsᵀ + intercepts ([rows, targets]); the label (int64) is the class
/// of the first largest raw score, or with one target labels[score &gt; 0]; the scores output is the post transform of the
/// scores, or, with one target and two class labels, [1 − s, s] as ONNX Runtime writes it. String class labels make the
/// label an int64 index into the generated class's &lt;Label&gt;Classes array. The product is a fully connected step (so
/// Sparsity and Clusters prune and share the coefficients); label and transform are steps of their own, with int8 forms
/// (<see cref="ClassLabelInt8"/>; tables and the int8 softmax), so an int8 plan and the nanoFramework flavour run it in integers.
/// </summary>
public sealed class LinearClassifier : IOperator
{
    public string OpType => ClassicalModel.Domain + "LinearClassifier";

    public OperatorSupport Support { get; } = new(OperatorFamily.ClassicalMachineLearning, 1, "coefficients as a fully connected step (pruned and clustered like any layer), then label and post-transform steps; string class labels give an index into a static `<Label>Classes` array", Int8Form.Integer, "int8 coefficients (a fully connected step); the label by int8 argmax or an integer threshold; LOGISTIC, PROBIT and the binary [1 − s, s] by 256-entry tables, SOFTMAX and SOFTMAX_ZERO by the int8 softmax (output scale 1/256)", Nano: true)
    {
        Refuses = new[] { "post_transform values ONNX does not define", "one coefficient row, two class labels and PROBIT", "one score column with post_transform LOGISTIC, SOFTMAX or SOFTMAX_ZERO (ONNX Runtime does not apply them to one column)" },
    };

    private sealed record Model(int Rows, int Features, int Targets, float[] Coefficients, float[] Intercepts, long[] Labels, string[]? Strings,
        PostTransform Transform)
    {
        /// <summary>One target and two labels: ONNX Runtime writes two score columns.</summary>
        public bool SecondClass => Targets == 1 && Labels.Length == 2;
        public int ScoreColumns => SecondClass ? 2 : Targets;
    }

    private static Model Read(Node node, int[] shape)
    {
        var (rows, features) = ClassicalModel.Layout(node, shape);
        var coefficients = ClassicalModel.RequiredFloats(node, "coefficients");
        var intercepts = node.GetFloats("intercepts");
        int targets = intercepts is { Length: > 0 } ? intercepts.Length : coefficients.Length / features;
        if (targets == 0 || coefficients.Length != targets * features)
            throw ShapeError(node, $"its {coefficients.Length} coefficients are not {targets} targets × {features} features.");
        var (labels, strings) = ClassicalModel.ClassLabels(node, "classlabels_ints", "classlabels_strings");
        if (targets > 1 && labels.Length < targets)
            throw InvalidGraph(node, $"it has {targets} score columns but {labels.Length} class labels.");
        var transform = ClassicalModel.Transform(node);
        var model = new Model(rows, features, targets, coefficients, intercepts is { Length: > 0 } ? intercepts : new float[targets], labels, strings, transform);
        if (model.SecondClass && transform == PostTransform.Probit)
            throw UnsupportedUsage(node, "it has one coefficient row, two class labels and post_transform PROBIT, for which ONNX Runtime leaves the second score column unwritten.",
                "Use post_transform NONE or LOGISTIC, or export one coefficient row per class.");
        if (targets == 1 && !model.SecondClass) ClassicalModel.RequireSingleColumnTransform(node, transform);
        return model;
    }

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 1, 1);
        ClassicalModel.RequireNumeric(node, graph, 0);
        var m = Read(node, InputShape(node, graph, 0));
        SetOutput(node, graph, 0, ElementType.Int64, new[] { m.Rows });
        SetOutput(node, graph, 1, ElementType.Float32, new[] { m.Rows, m.ScoreColumns });
    }

    /// <summary>The label rule: one target compares with 0 between [negative, positive] labels, several take the largest.</summary>
    private static (LabelRule Rule, long[] Labels, string[]? Strings) Labeling(Model m) => m.Targets == 1
        ? (LabelRule.Threshold, m.Labels.Length == 2 ? m.Labels : new long[] { 0, 1 }, m.Strings == null ? null : m.Strings.Length == 2 ? m.Strings : new[] { "0", "1" })
        : (LabelRule.ArgMax, m.Labels.Take(m.Targets).ToArray(), m.Strings?.Take(m.Targets).ToArray());

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var x = Required(node, inputs, 0);
        var m = Read(node, x.Shape);
        var scores = Scores(ClassicalModel.FloatValues(node, inputs, 0), m.Rows, m.Features, m.Coefficients, m.Intercepts);
        var (rule, labels, _) = Labeling(m);
        var label = new long[m.Rows];
        ClassLabelFloat.ClassLabel(scores, m.Rows, m.Targets, (int)rule, labels, 0f, false, 0, label);
        var transformed = new float[m.Rows * m.ScoreColumns];
        ScoreTransformFloat.TransformScores(scores, m.Rows, m.Targets, (int)m.Transform, m.SecondClass ? (int)SecondClass.Complement : 0, transformed);
        return new[] { Tensor.FromInt64s(new[] { m.Rows }, label), Tensor.FromFloats(new[] { m.Rows, m.ScoreColumns }, transformed) };
    }

    /// <summary>x · wᵀ + b for [rows, features] x and [units, features] w (the reference product).</summary>
    internal static float[] Scores(float[] x, int rows, int features, float[] weights, float[] bias)
    {
        int units = bias.Length;
        var y = new float[rows * units];
        for (int r = 0; r < rows; r++)
            for (int u = 0; u < units; u++)
            {
                float sum = 0f;
                for (int f = 0; f < features; f++) sum += x[r * features + f] * weights[u * features + f];
                y[r * units + u] = sum + bias[u];
            }
        return y;
    }

    public void Lower(Node node, LoweringContext context)
    {
        var m = Read(node, context.Shape(node.Inputs[0]));
        var x = ClassicalModel.FloatSlice(node, context, 0);
        ClassicalModel.RequireLabelIsOutput(node, context, m.Strings);
        string? labelOutput = Used(node, context, 0), scoreOutput = Used(node, context, 1);
        bool transformed = m.SecondClass || m.Transform != PostTransform.None;
        var raw = scoreOutput != null && !transformed
            ? context.Slice(scoreOutput)
            : new ArenaSlice($"{node.Name} (raw scores)", ElementType.Float32, m.Rows * m.Targets, shape: new[] { m.Rows, m.Targets });
        context.Add(new FullyConnectedFloat(node.Describe(), x, raw, m.Rows, m.Features, m.Features, 1, m.Coefficients, m.Intercepts,
            float.NegativeInfinity, float.PositiveInfinity));
        if (labelOutput != null)
        {
            var (rule, labels, strings) = Labeling(m);
            context.Add(new ClassLabelFloat(node.Describe(), raw, context.Slice(labelOutput), m.Rows, m.Targets, rule, labels, stringClasses: strings));
        }
        if (scoreOutput != null && transformed)
            context.Add(new ScoreTransformFloat(node.Describe(), raw, context.Slice(scoreOutput), m.Rows, m.Targets, m.Transform,
                m.SecondClass ? SecondClass.Complement : SecondClass.None));
    }

    /// <summary>The name of output <paramref name="index"/> when something reads it, else null.</summary>
    internal static string? Used(Node node, LoweringContext context, int index) =>
        index < node.Outputs.Count && node.Outputs[index].Length > 0 && context.IsUsed(node.Outputs[index]) ? node.Outputs[index] : null;
}
