using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using ModelBaker.Core.Plan;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// ai.onnx.ml SVMRegressor: with support vectors (n_supports &gt; 0), y = Σ coefficients[v] k(x, v) + rho[0] for the
/// LINEAR, POLY, RBF or SIGMOID kernel; without, the linear model y = x · coefficients + rho[0]. [rows, 1] out; a
/// one-class SVM (one_class = 1) gives the sign, 1 or −1. ONNX Runtime ignores post_transform, so anything but NONE is refused.
/// </summary>
public sealed class SVMRegressor : IOperator
{
    public string OpType => ClassicalModel.Domain + "SVMRegressor";

    public OperatorSupport Support { get; } = new(OperatorFamily.ClassicalMachineLearning, 1, "kernels LINEAR, POLY, RBF, SIGMOID (a kernel-value step and a fully connected step); no support vectors: a fully connected step; one_class gives the sign (a sign step)", Int8Form.Integer, "kernel values from an integer dot product or squared distance and a 255-level table of the kernel function (as SVMClassifier); dual coefficients as an int8 fully connected step; one_class's sign: a 256-entry table onto the exact {−1, 1} grid", Nano: true)
    {
        Refuses = new[] { "kernel types ONNX does not define", "post_transform other than NONE (ONNX Runtime ignores it)" },
    };

    /// <summary>kernel_type and kernel_params [γ, c₀, degree] of either SVM.</summary>
    internal static (SvmKernel Kernel, float Gamma, float Coef0, float Degree) KernelOf(Node node)
    {
        var kernel = (node.GetString("kernel_type") ?? "LINEAR") switch
        {
            "LINEAR" => SvmKernel.Linear,
            "POLY" => SvmKernel.Poly,
            "RBF" => SvmKernel.Rbf,
            "SIGMOID" => SvmKernel.Sigmoid,
            var other => throw UnsupportedUsage(node, $"kernel_type '{Text.Printable(other)}' is not LINEAR, POLY, RBF or SIGMOID.", "Fix the attribute in the model."),
        };
        var p = node.GetFloats("kernel_params") ?? new float[0];
        if (p.Length != 0 && p.Length < 3) throw InvalidGraph(node, $"its kernel_params has {p.Length} values; it takes gamma, coef0 and degree.");
        return p.Length == 0 ? (kernel, 0f, 0f, 0f) : (kernel, p[0], p[1], p[2]);
    }

    private sealed record Model(int Rows, int Features, int Vectors, float[] SupportVectors, float[] Coefficients, float Rho, bool OneClass,
        SvmKernel Kernel, float Gamma, float Coef0, float Degree);

    private static Model Read(Node node, int[] shape)
    {
        var (rows, features) = ClassicalModel.Layout(node, shape);
        int vectors = (int)node.GetInt("n_supports", 0);
        var coefficients = ClassicalModel.RequiredFloats(node, "coefficients");
        var rho = ClassicalModel.RequiredFloats(node, "rho");
        if (ClassicalModel.Transform(node) != PostTransform.None)
            throw UnsupportedUsage(node, "its post_transform is not NONE; ONNX Runtime ignores it for SVMRegressor while the specification applies it.",
                "Set post_transform to NONE and transform the output in the calling code.");
        var (kernel, gamma, coef0, degree) = KernelOf(node);
        var supportVectors = node.GetFloats("support_vectors") ?? new float[0];
        if (vectors > 0)
        {
            if (supportVectors.Length != vectors * features || coefficients.Length != vectors)
                throw ShapeError(node, $"it has {supportVectors.Length} support-vector values and {coefficients.Length} coefficients for {vectors} vectors of {features} features.");
        }
        else
        {
            if (coefficients.Length != features) throw ShapeError(node, $"it has {coefficients.Length} coefficients for {features} features.");
            kernel = SvmKernel.Linear; // as ONNX Runtime: the linear model ignores kernel_type
        }
        return new Model(rows, features, vectors, supportVectors, coefficients, rho[0], node.GetInt("one_class", 0) != 0, kernel, gamma, coef0, degree);
    }

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 1, 1);
        ClassicalModel.RequireNumeric(node, graph, 0);
        var m = Read(node, InputShape(node, graph, 0));
        SetOutput(node, graph, 0, ElementType.Float32, new[] { m.Rows, 1 });
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var m = Read(node, Required(node, inputs, 0).Shape);
        var x = ClassicalModel.FloatValues(node, inputs, 0);
        float[] y;
        if (m.Vectors > 0)
        {
            var k = new float[m.Rows * m.Vectors];
            SupportVectorKernelFloat.SupportVectorKernel(x, m.Rows, m.Features, m.SupportVectors, (int)m.Kernel, m.Gamma, m.Coef0, m.Degree, k);
            y = LinearClassifier.Scores(k, m.Rows, m.Vectors, m.Coefficients, new[] { m.Rho });
        }
        else y = LinearClassifier.Scores(x, m.Rows, m.Features, m.Coefficients, new[] { m.Rho });
        if (m.OneClass) FeatureMapFloat.MapFeatures(y, 1, (int)FeatureOperation.Sign, new float[0], new float[0], 0f, y);
        return new[] { Tensor.FromFloats(new[] { m.Rows, 1 }, y) };
    }

    public void Lower(Node node, LoweringContext context)
    {
        var m = Read(node, context.Shape(node.Inputs[0]));
        var input = ClassicalModel.FloatSlice(node, context, 0);
        var output = context.Slice(node.Outputs[0]);
        int depth = m.Features;
        if (m.Vectors > 0)
        {
            var kernels = new ArenaSlice($"{node.Outputs[0]} (kernel values)", ElementType.Float32, m.Rows * m.Vectors, shape: new[] { m.Rows, m.Vectors });
            context.Add(new SupportVectorKernelFloat(node.Describe(), input, kernels, m.Rows, m.Features, m.SupportVectors, m.Kernel, m.Gamma, m.Coef0, m.Degree));
            (input, depth) = (kernels, m.Vectors);
        }
        var sum = m.OneClass ? new ArenaSlice($"{node.Outputs[0]} (decision)", ElementType.Float32, m.Rows, shape: new[] { m.Rows, 1 }) : output;
        context.Add(new FullyConnectedFloat(node.Describe(), input, sum, m.Rows, depth, depth, 1, m.Coefficients, new[] { m.Rho },
            float.NegativeInfinity, float.PositiveInfinity));
        if (m.OneClass)
            context.Add(new FeatureMapFloat(node.Describe(), sum, output, 1, FeatureOperation.Sign, new float[0], new float[0], 0f));
    }
}
