using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Onnx.Protos;
using IrAttribute = ModelBaker.Core.Ir.Attribute;

namespace ModelBaker.Core.Onnx;

/// <summary>
/// Maps a parsed ModelProto onto the graph IR. It only translates: which operators are supported is the
/// OperatorRegistry's question, and shapes are shape inference's, so op types are kept exactly as written.
/// </summary>
internal static class OnnxImporter
{
    /// <summary>Marks an operator from a non-default domain: "com.microsoft:Gelu". No ONNX op type has a ':',
    /// so such nodes can never be mistaken for a supported standard operator.</summary>
    public const char DomainSeparator = ':';

    private const int StringType = (int)TensorProto.Types.DataType.String;

    public static Graph Import(ModelProto model, string modelDirectory) => ImportGraph(model.Graph, DefaultOpset(model), modelDirectory);

    private static Graph ImportGraph(GraphProto g, long opset, string modelDirectory)
    {
        var graph = new Graph { Name = g.Name, Opset = opset };

        foreach (var init in g.Initializer)
        {
            var tensor = TensorConverter.ToTensor(init, modelDirectory);
            graph.Add(new Value(init.Name, tensor.Type, tensor.Shape, tensor) { DeclaredType = NarrowTypes.Declared(init.DataType) });
        }

        // Since IR version 4, initializers need not be listed as inputs; when they are, they are constants
        // with an overridable default, and ModelBaker bakes them as constants.
        foreach (var input in g.Input)
        {
            if (graph.Values.TryGetValue(input.Name, out var known) && known.IsConstant) continue;
            graph.Add(ToValue(input, "input"));
            graph.Inputs.Add(input.Name);
        }

        // Some exporters write value_info with a shape but no element type; such entries say too little to
        // use, so those values are left to the node-output placeholders below.
        // String values inside the graph (a classifier's label on its way out) are left to their producers too.
        foreach (var info in g.ValueInfo)
            if (!graph.Values.ContainsKey(info.Name) && info.Type?.TensorType?.ElemType is { } type && type != 0 && type != StringType)
                graph.Add(ToValue(info, "value"));

        foreach (var output in g.Output)
        {
            // An output's ValueInfo is authoritative unless the value is an input or a constant already.
            if (!graph.Values.TryGetValue(output.Name, out var known) || !(known.IsConstant || graph.Inputs.Contains(output.Name)))
                graph.Add(ToValue(output, "output"));
            else if (known.IsConstant && DeclaredType(output) is { } edge)
                known.DeclaredType = edge; // a double or float16 constant output: float32 inside, its type at the edge
            graph.Outputs.Add(output.Name);
        }

        ImportNodes(g, graph, opset, modelDirectory);
        return graph;
    }

    /// <summary>The default domain's opset; models from before IR version 3 have no opset_import and mean opset 1.</summary>
    private static long DefaultOpset(ModelProto model)
    {
        var ops = model.OpsetImport.Where(o => IsDefaultDomain(o.Domain)).ToList();
        return ops.Count == 0 ? 1 : ops.Max(o => o.Version);
    }

    public static bool IsDefaultDomain(string domain) => domain.Length == 0 || domain == "ai.onnx";

    private static void ImportNodes(GraphProto g, Graph graph, long opset, string modelDirectory)
    {
        // Names given in the model are kept; only unnamed (or duplicate) nodes get "OpType_index", so names
        // stay stable across runs and readable in errors and generated comments.
        var used = new HashSet<string>(g.Node.Where(n => n.Name.Length > 0).Select(n => n.Name));
        var taken = new HashSet<string>();
        for (int i = 0; i < g.Node.Count; i++)
        {
            var n = g.Node[i];
            string opType = IsDefaultDomain(n.Domain) ? n.OpType : n.Domain + DomainSeparator + n.OpType;
            string name = n.Name;
            if (name.Length == 0 || taken.Contains(name))
            {
                string stem = name.Length == 0 ? $"{n.OpType}_{i}" : name;
                name = stem;
                for (int k = 2; used.Contains(name) || taken.Contains(name); k++) name = $"{stem}_{k}";
            }
            taken.Add(name);

            var attributes = new Dictionary<string, IrAttribute>();
            foreach (var a in n.Attribute)
            {
                var converted = ToAttribute(a, name, opset, modelDirectory);
                if (converted != null) attributes[a.Name] = converted;
            }
            graph.Nodes.Add(new Node(name, opType, n.Input.ToArray(), n.Output.ToArray(), attributes));

            // Every edge gets a Value so passes can look any name up. Types and shapes not stated in the model
            // are unknown until shape inference: Float32 is a placeholder and Shape stays null.
            foreach (var output in n.Output)
                if (output.Length > 0 && !graph.Values.ContainsKey(output))
                    graph.Add(new Value(output, ElementType.Float32));
        }
    }

    /// <summary>A graph input/output/value_info as a Value; dynamic dimensions are taken as 1 (batch 1).</summary>
    private static Value ToValue(ValueInfoProto info, string role)
    {
        var tensorType = info.Type?.TensorType;
        // A ZipMap's sequence of maps: baked as the float [rows, classes] tensor it zips (its operator checks that).
        if (tensorType == null && role == "output" && info.Type?.SequenceType?.ElemType?.MapType != null)
            return new Value(info.Name, ElementType.Float32);
        if (tensorType == null)
            throw new BakeException(ErrorCodes.UnsupportedElementType,
                $"The model's {role} '{info.Name}' is not a tensor (sequences, maps and optionals are not supported). Change the model so that it passes plain tensors.");
        if (tensorType.ElemType == StringType)
        {
            // A classifier's string label output becomes an int64 index into the generated class's <Output>Classes
            // array; its operator sets the type (and refuses what it cannot compute).
            if (role == "output") return new Value(info.Name, ElementType.Int64);
            throw new BakeException(ErrorCodes.StringData,
                $"The model's {role} '{Text.Printable(info.Name)}' has element type string; generated code takes and computes numbers only. " +
                "Encode the strings as integer ids in the calling code (a dictionary from string to id) and re-export the model to take the ids " +
                "(for example, an int64 input instead of the string LabelEncoder or OneHotEncoder).");
        }
        var type = TensorConverter.ToElementType(tensorType.ElemType, $"'{info.Name}'");
        int[]? shape = tensorType.Shape?.Dim
            .Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && d.DimValue > 0 ? ToDim(d.DimValue, info.Name) : 1)
            .ToArray();
        // Double, float16, bfloat16, float8 and float4 are computed in float32, int4 and int2 in int8, uint4 and uint2 in uint8:
        // the value has that type; an input or output keeps its own for Predict.
        if (NarrowTypes.IsNarrow(type))
            return new Value(info.Name, NarrowTypes.ComputeType(type), shape) { DeclaredType = type };
        return new Value(info.Name, type, shape);
    }

    /// <summary>A type computed in a wider one (NarrowTypes), as an input's or output's ValueInfo declares it; else null.</summary>
    private static ElementType? DeclaredType(ValueInfoProto info) => NarrowTypes.Declared(info.Type?.TensorType?.ElemType ?? 0);

    private static int ToDim(long d, string name) => d <= int.MaxValue ? (int)d
        : throw new BakeException(ErrorCodes.ModelUnreadable, $"'{name}' has a dimension of {d}, more than ModelBaker can hold; the model is damaged or far too large.");

    /// <summary>Null for attributes ModelBaker never reads (lists of tensors or graphs, sparse tensors).</summary>
    private static IrAttribute? ToAttribute(AttributeProto a, string nodeName, long opset, string modelDirectory)
    {
        var kind = a.HasType ? a.Type : InferType(a);
        switch (kind)
        {
            case AttributeProto.Types.AttributeType.Float:
                return new IrAttribute { Name = a.Name, Kind = AttributeKind.Float, Float = a.F };
            case AttributeProto.Types.AttributeType.Int:
                return new IrAttribute { Name = a.Name, Kind = AttributeKind.Int, Int = a.I };
            case AttributeProto.Types.AttributeType.String:
                return new IrAttribute { Name = a.Name, Kind = AttributeKind.String, String = a.S.ToStringUtf8() };
            case AttributeProto.Types.AttributeType.Tensor:
                if (a.T.Name.Length == 0) a.T.Name = $"{nodeName}.{a.Name}"; // so errors can name it
                return new IrAttribute { Name = a.Name, Kind = AttributeKind.Tensor, Tensor = TensorConverter.ToTensor(a.T, modelDirectory) };
            case AttributeProto.Types.AttributeType.Graph:
                return SubgraphAttribute(a, opset, modelDirectory);
            case AttributeProto.Types.AttributeType.Floats:
                return new IrAttribute { Name = a.Name, Kind = AttributeKind.Floats, Floats = a.Floats.ToArray() };
            case AttributeProto.Types.AttributeType.Ints:
                return new IrAttribute { Name = a.Name, Kind = AttributeKind.Ints, Ints = a.Ints.ToArray() };
            case AttributeProto.Types.AttributeType.Strings:
                return new IrAttribute { Name = a.Name, Kind = AttributeKind.Strings, Strings = a.Strings.Select(s => s.ToStringUtf8()).ToArray() };
            default:
                return null;
        }
    }

    /// <summary>
    /// A subgraph (Scan's body), imported like the main graph. One that cannot be (the sequences of a Loop's body) is left
    /// out, so that its node is refused for its operator, as before subgraphs were read, not for its body.
    /// </summary>
    private static IrAttribute? SubgraphAttribute(AttributeProto a, long opset, string modelDirectory)
    {
        if (a.G == null) return null;
        try
        {
            return new IrAttribute { Name = a.Name, Kind = AttributeKind.Graph, Graph = ImportGraph(a.G, opset, modelDirectory) };
        }
        catch (BakeException)
        {
            return null;
        }
    }

    /// <summary>IR version 1 files have no type discriminator: the payload that is present tells.</summary>
    private static AttributeProto.Types.AttributeType InferType(AttributeProto a) =>
        a.HasF ? AttributeProto.Types.AttributeType.Float
        : a.HasI ? AttributeProto.Types.AttributeType.Int
        : a.HasS ? AttributeProto.Types.AttributeType.String
        : a.T != null ? AttributeProto.Types.AttributeType.Tensor
        : a.G != null ? AttributeProto.Types.AttributeType.Graph
        : a.Floats.Count > 0 ? AttributeProto.Types.AttributeType.Floats
        : a.Ints.Count > 0 ? AttributeProto.Types.AttributeType.Ints
        : a.Strings.Count > 0 ? AttributeProto.Types.AttributeType.Strings
        : AttributeProto.Types.AttributeType.Undefined;
}
