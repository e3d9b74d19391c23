using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Ir;
using Attribute = ModelBaker.Core.Ir.Attribute;

namespace ModelBaker.Core.Operators;

/// <summary>
/// Writes the nodes an <see cref="IExpansion"/> replaces its node with: values, constants and nodes named after the
/// expanded node ("&lt;node&gt;/…", made unique in the graph), so bake reports and docs/operators.md's evidence find
/// the steps of the nodes it became under the node's own name.
/// </summary>
internal sealed class ExpansionWriter
{
    private readonly Node _node;
    private readonly Graph _graph;
    private readonly HashSet<string> _nodeNames;

    public ExpansionWriter(Node node, Graph graph)
    {
        _node = node;
        _graph = graph;
        _nodeNames = new HashSet<string>(graph.Nodes.Select(x => x.Name), StringComparer.Ordinal);
    }

    /// <summary>The nodes written so far, in order.</summary>
    public List<Node> Nodes { get; } = new();

    /// <summary>A node "&lt;node&gt;/<paramref name="what"/>" of <paramref name="opType"/>.</summary>
    public void Add(string what, string opType, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs, params Attribute[] attributes) =>
        Add(what, opType, inputs, outputs, attributes.ToDictionary(a => a.Name, StringComparer.Ordinal));

    /// <summary>A node "&lt;node&gt;/<paramref name="what"/>" of <paramref name="opType"/> with the given attributes (another node's, for a copy).</summary>
    public void Add(string what, string opType, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs, IReadOnlyDictionary<string, Attribute> attributes) =>
        Nodes.Add(new Node(NodeName($"{_node.Name}/{what}"), opType, inputs, outputs, attributes));

    /// <summary>
    /// A node "&lt;node&gt;/<paramref name="what"/>" of <paramref name="opType"/> writing one new value, whose name it
    /// returns (its type and shape are left to shape inference).
    /// </summary>
    public string Add(string what, string opType, IReadOnlyList<string> inputs, params Attribute[] attributes)
    {
        string output = NewValue(what);
        Add(what, opType, inputs, new[] { output }, attributes);
        return output;
    }

    /// <summary>A new initializer holding <paramref name="data"/>.</summary>
    public string NewConstant(string what, Tensor data)
    {
        string name = Fresh($"{_node.Name}/{what}");
        _graph.Add(new Value(name, data.Type, data.Shape, data));
        return name;
    }

    /// <summary>A new value a node will write (float until shape inference says otherwise).</summary>
    public string NewValue(string what)
    {
        string name = Fresh($"{_node.Name}/{what}");
        _graph.Add(new Value(name, ElementType.Float32));
        return name;
    }

    private string Fresh(string stem)
    {
        string name = stem;
        for (int k = 2; _graph.Values.ContainsKey(name); k++) name = $"{stem}~{k}";
        return name;
    }

    private string NodeName(string stem)
    {
        string name = stem;
        for (int k = 2; !_nodeNames.Add(name); k++) name = $"{stem}~{k}";
        return name;
    }
}
