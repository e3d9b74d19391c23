using System.Collections.Generic;
using System.Linq;

namespace ModelBaker.Core.Ir;

/// <summary>
/// The model as the passes see it: nodes in topological order, every value by name, and the graph's
/// runtime inputs and outputs (initializers are values with <see cref="Value.Constant"/> set, not inputs).
/// </summary>
public sealed class Graph
{
    public string Name { get; set; } = "";
    /// <summary>Opset version of the default ("ai.onnx") domain.</summary>
    public long Opset { get; set; }
    public List<Node> Nodes { get; } = new();
    public Dictionary<string, Value> Values { get; } = new();
    public List<string> Inputs { get; } = new();
    public List<string> Outputs { get; } = new();

    public Value this[string name] => Values[name];

    public Value Add(Value value)
    {
        Values[value.Name] = value;
        return value;
    }

    /// <summary>Nodes reading <paramref name="valueName"/>.</summary>
    public IEnumerable<Node> Consumers(string valueName) => Nodes.Where(n => n.Inputs.Contains(valueName));

    public Node? Producer(string valueName) => Nodes.FirstOrDefault(n => n.Outputs.Contains(valueName));

    public IEnumerable<Value> Initializers => Values.Values.Where(v => v.IsConstant);
}
