using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using ModelBaker.Core.Plan;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// ai.onnx.ml LinearRegressor: Y = X · coefficientsᵀ + intercepts, [rows, targets], then the post transform (per row
/// over the targets, as ONNX Runtime). A fully connected step (Sparsity and Clusters apply to the coefficients), and a
/// transform step when there is one.
/// </summary>
public sealed class LinearRegressor : IOperator
{
    public string OpType => ClassicalModel.Domain + "LinearRegressor";

    public OperatorSupport Support { get; } = new(OperatorFamily.ClassicalMachineLearning, 1, "coefficients as a fully connected step (pruned and clustered like any layer), then a post-transform step when there is one", Int8Form.Integer, "int8 coefficients (a fully connected step); LOGISTIC and PROBIT by 256-entry tables, SOFTMAX and SOFTMAX_ZERO by the int8 softmax (output scale 1/256)", Nano: true)
    {
        Refuses = new[] { "post_transform values ONNX does not define", "one target with post_transform LOGISTIC, SOFTMAX or SOFTMAX_ZERO (ONNX Runtime does not apply them to one column)" },
    };

    private static (int Rows, int Features, int Targets, float[] Coefficients, float[] Intercepts, PostTransform Transform) Read(Node node, int[] shape)
    {
        var (rows, features) = ClassicalModel.Layout(node, shape);
        var coefficients = ClassicalModel.RequiredFloats(node, "coefficients");
        long targets = node.GetInt("targets", 1);
        if (targets < 1 || coefficients.Length != targets * features)
            throw ShapeError(node, $"its {coefficients.Length} coefficients are not {targets} targets × {features} features.");
        var intercepts = node.GetFloats("intercepts") is { Length: > 0 } given ? given : new float[targets];
        if (intercepts.Length != targets) throw ShapeError(node, $"it has {intercepts.Length} intercepts for {targets} targets.");
        var transform = ClassicalModel.Transform(node);
        if (targets == 1) ClassicalModel.RequireSingleColumnTransform(node, transform);
        return (rows, features, (int)targets, coefficients, intercepts, transform);
    }

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 1, 1);
        ClassicalModel.RequireNumeric(node, graph, 0);
        var m = Read(node, InputShape(node, graph, 0));
        SetOutput(node, graph, 0, ElementType.Float32, new[] { m.Rows, m.Targets });
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var m = Read(node, Required(node, inputs, 0).Shape);
        var scores = LinearClassifier.Scores(ClassicalModel.FloatValues(node, inputs, 0), m.Rows, m.Features, m.Coefficients, m.Intercepts);
        ScoreTransformFloat.TransformScores(scores, m.Rows, m.Targets, (int)m.Transform, 0, scores);
        return new[] { Tensor.FromFloats(new[] { m.Rows, m.Targets }, scores) };
    }

    public void Lower(Node node, LoweringContext context)
    {
        var m = Read(node, context.Shape(node.Inputs[0]));
        var x = ClassicalModel.FloatSlice(node, context, 0);
        var output = context.Slice(node.Outputs[0]);
        var product = m.Transform == PostTransform.None
            ? output
            : new ArenaSlice($"{node.Outputs[0]} (before {m.Transform})", ElementType.Float32, output.Length, shape: new[] { m.Rows, m.Targets });
        context.Add(new FullyConnectedFloat(node.Describe(), x, product, m.Rows, m.Features, m.Features, 1, m.Coefficients, m.Intercepts,
            float.NegativeInfinity, float.PositiveInfinity));
        if (product != output)
            context.Add(new ScoreTransformFloat(node.Describe(), product, output, m.Rows, m.Targets, m.Transform, SecondClass.None));
    }
}
