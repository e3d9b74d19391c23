using ModelBaker.Core.Ir;
using Attribute = ModelBaker.Core.Ir.Attribute;

namespace ModelBaker.Tests.Onnx;

/// <summary>Structural equality of two graphs, failing with the first difference's location.</summary>
internal static class GraphAssert
{
    public static void Equal(Graph expected, Graph actual)
    {
        Assert.Equal(expected.Name, actual.Name);
        Assert.Equal(expected.Opset, actual.Opset);
        Assert.Equal(expected.Inputs, actual.Inputs);
        Assert.Equal(expected.Outputs, actual.Outputs);

        Assert.Equal(expected.Values.Keys.OrderBy(k => k, StringComparer.Ordinal), actual.Values.Keys.OrderBy(k => k, StringComparer.Ordinal));
        foreach (var e in expected.Values.Values)
        {
            var a = actual[e.Name];
            Assert.True(e.Type == a.Type, $"value '{e.Name}': type {e.Type} vs {a.Type}");
            Assert.True(SameShape(e.Shape, a.Shape), $"value '{e.Name}': shape {e} vs {a}");
            TensorEqual(e.Constant, a.Constant, $"value '{e.Name}'");
        }

        Assert.Equal(expected.Nodes.Count, actual.Nodes.Count);
        for (int i = 0; i < expected.Nodes.Count; i++)
        {
            var e = expected.Nodes[i];
            var a = actual.Nodes[i];
            Assert.Equal(e.Name, a.Name);
            Assert.Equal(e.OpType, a.OpType);
            Assert.Equal(e.Inputs, a.Inputs);
            Assert.Equal(e.Outputs, a.Outputs);
            Assert.Equal(e.Attributes.Keys.OrderBy(k => k), a.Attributes.Keys.OrderBy(k => k));
            foreach (var (name, ea) in e.Attributes) AttributeEqual(ea, a.Attributes[name], $"node {e.Describe()} attribute '{name}'");
        }
    }

    private static bool SameShape(int[]? a, int[]? b) => a == null ? b == null : b != null && a.SequenceEqual(b);

    private static void AttributeEqual(Attribute e, Attribute a, string where)
    {
        Assert.True(e.Kind == a.Kind || e.Kind == AttributeKind.Unspecified, $"{where}: kind {e.Kind} vs {a.Kind}");
        switch (a.Kind)
        {
            case AttributeKind.Float: Assert.Equal(e.Float, a.Float); break;
            case AttributeKind.Int: Assert.Equal(e.Int, a.Int); break;
            case AttributeKind.String: Assert.Equal(e.String, a.String); break;
            case AttributeKind.Floats: Assert.Equal(e.Floats, a.Floats); break;
            case AttributeKind.Ints: Assert.Equal(e.Ints, a.Ints); break;
            case AttributeKind.Strings: Assert.Equal(e.Strings, a.Strings); break;
            case AttributeKind.Tensor: TensorEqual(e.Tensor, a.Tensor, where); break;
            default: Assert.Fail($"{where}: unexpected kind {a.Kind}"); break;
        }
    }

    public static void TensorEqual(Tensor? e, Tensor? a, string where)
    {
        if (e == null) { Assert.True(a == null, $"{where}: unexpected constant"); return; }
        Assert.True(a != null, $"{where}: constant missing");
        Assert.True(e.Type == a!.Type, $"{where}: tensor type {e.Type} vs {a.Type}");
        Assert.Equal(e.Shape, a.Shape);
        Assert.Equal(e.Floats, a.Floats);
        Assert.Equal(e.Int64s, a.Int64s);
    }
}
