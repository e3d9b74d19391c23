using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Google.Protobuf;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Onnx.Protos;
using IrAttribute = ModelBaker.Core.Ir.Attribute;

namespace ModelBaker.Core.Onnx;

/// <summary>
/// Writes the graph IR as an ONNX model that ONNX Runtime loads: for tests that build models in C#, and for
/// saving a graph after passes. Output is byte-for-byte deterministic (initializers, value_info and
/// attributes are sorted by name) so that it can be cached and compared.
/// </summary>
public static class OnnxModelWriter
{
    /// <summary>IR version 8 (ONNX 1.10+), which every ONNX Runtime since 1.10 reads.</summary>
    public const long IrVersion = 8;

    // Attributes whose zero value must still be written as FLOAT when Kind is Unspecified.
    private static readonly HashSet<string> FloatAttributeNames = new(StringComparer.Ordinal)
        { "alpha", "beta", "gamma", "epsilon", "momentum", "bias", "lambd", "ratio", "spatial_scale", "extrapolation_value", "cubic_coeff_a", "threshold" };

    public static void Save(Graph graph, string path) => File.WriteAllBytes(path, ToBytes(graph));

    public static byte[] ToBytes(Graph graph) => ToModelProto(graph).ToByteArray();

    internal static ModelProto ToModelProto(Graph graph)
    {
        if (graph.Opset <= 0)
            throw new ArgumentException("Graph.Opset must be set (for example 13) before the graph can be written as ONNX.", nameof(graph));

        var domains = new SortedSet<string>(StringComparer.Ordinal);
        var g = ToGraphProto(graph, domains);
        var model = new ModelProto { IrVersion = IrVersion, ProducerName = "ModelBaker", Graph = g };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = graph.Opset });
        // Custom domains have no version in the IR; 1 is what every such domain starts at.
        foreach (var domain in domains) model.OpsetImport.Add(new OperatorSetIdProto { Domain = domain, Version = 1 });
        return model;
    }

    /// <summary>The graph (or a subgraph: Scan's body) as a GraphProto; custom domains its nodes use go to <paramref name="domains"/>.</summary>
    private static GraphProto ToGraphProto(Graph graph, SortedSet<string> domains)
    {
        var g = new GraphProto { Name = graph.Name.Length > 0 ? graph.Name : "main" };
        foreach (var value in graph.Values.Values.Where(v => v.IsConstant).OrderBy(v => v.Name, StringComparer.Ordinal))
            g.Initializer.Add(TensorConverter.ToProto(value.Constant!, value.Name));
        foreach (var name in graph.Inputs) g.Input.Add(ToValueInfo(graph[name]));
        foreach (var name in graph.Outputs) g.Output.Add(ToValueInfo(graph[name]));

        // Intermediate values with a known shape travel as value_info, so a graph round-trips with its shapes.
        // Placeholders without a shape (see OnnxImporter) are left for the reader's own inference.
        var boundary = new HashSet<string>(graph.Inputs.Concat(graph.Outputs));
        foreach (var value in graph.Values.Values
                     .Where(v => !v.IsConstant && v.Shape != null && !boundary.Contains(v.Name))
                     .OrderBy(v => v.Name, StringComparer.Ordinal))
            g.ValueInfo.Add(ToValueInfo(value));

        foreach (var node in graph.Nodes)
        {
            var n = new NodeProto { Name = node.Name };
            int colon = node.OpType.LastIndexOf(OnnxImporter.DomainSeparator);
            if (colon >= 0)
            {
                n.Domain = node.OpType.Substring(0, colon);
                domains.Add(n.Domain);
            }
            n.OpType = node.OpType.Substring(colon + 1);
            n.Input.AddRange(node.Inputs);
            n.Output.AddRange(node.Outputs);
            foreach (var attribute in node.Attributes.Values.OrderBy(a => a.Name, StringComparer.Ordinal))
                n.Attribute.Add(ToAttributeProto(attribute, node, domains));
            g.Node.Add(n);
        }
        return g;
    }

    private static ValueInfoProto ToValueInfo(Value value)
    {
        var tensorType = new TypeProto.Types.Tensor { ElemType = (int)value.Type };
        if (value.Shape != null)
        {
            tensorType.Shape = new TensorShapeProto();
            foreach (int d in value.Shape) tensorType.Shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        }
        return new ValueInfoProto { Name = value.Name, Type = new TypeProto { TensorType = tensorType } };
    }

    private static AttributeProto ToAttributeProto(IrAttribute a, Node node, SortedSet<string> domains)
    {
        var p = new AttributeProto { Name = a.Name };
        switch (KindOf(a))
        {
            case AttributeKind.Float: p.Type = AttributeProto.Types.AttributeType.Float; p.F = a.Float; break;
            case AttributeKind.Int: p.Type = AttributeProto.Types.AttributeType.Int; p.I = a.Int; break;
            case AttributeKind.String: p.Type = AttributeProto.Types.AttributeType.String; p.S = ByteString.CopyFromUtf8(a.String ?? ""); break;
            case AttributeKind.Tensor:
                p.Type = AttributeProto.Types.AttributeType.Tensor;
                p.T = TensorConverter.ToProto(a.Tensor ?? throw Missing(a, node), "");
                break;
            case AttributeKind.Graph:
                p.Type = AttributeProto.Types.AttributeType.Graph;
                p.G = ToGraphProto(a.Graph ?? throw Missing(a, node), domains);
                break;
            case AttributeKind.Floats: p.Type = AttributeProto.Types.AttributeType.Floats; p.Floats.AddRange(a.Floats ?? throw Missing(a, node)); break;
            case AttributeKind.Ints: p.Type = AttributeProto.Types.AttributeType.Ints; p.Ints.AddRange(a.Ints ?? throw Missing(a, node)); break;
            case AttributeKind.Strings:
                p.Type = AttributeProto.Types.AttributeType.Strings;
                p.Strings.AddRange((a.Strings ?? throw Missing(a, node)).Select(ByteString.CopyFromUtf8));
                break;
        }
        return p;
    }

    /// <summary>
    /// The stated kind, else the payload that is present. A zero scalar is ambiguous: it is written as FLOAT for
    /// the usual float attribute names and INT otherwise; set <see cref="IrAttribute.Kind"/> to be explicit.
    /// </summary>
    internal static AttributeKind KindOf(IrAttribute a) =>
        a.Kind != AttributeKind.Unspecified ? a.Kind
        : a.Tensor != null ? AttributeKind.Tensor
        : a.Graph != null ? AttributeKind.Graph
        : a.Strings != null ? AttributeKind.Strings
        : a.Floats != null ? AttributeKind.Floats
        : a.Ints != null ? AttributeKind.Ints
        : a.String != null ? AttributeKind.String
        : a.Float != 0 ? AttributeKind.Float
        : a.Int != 0 ? AttributeKind.Int
        : FloatAttributeNames.Contains(a.Name) ? AttributeKind.Float : AttributeKind.Int;

    private static ArgumentException Missing(IrAttribute a, Node node) =>
        new($"Attribute '{a.Name}' of node {node.Describe()} is of kind {a.Kind} but has no payload.");
}
