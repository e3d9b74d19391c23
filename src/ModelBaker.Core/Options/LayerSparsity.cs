using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ModelBaker.Core.Diagnostics;

namespace ModelBaker.Core.Options;

/// <summary>
/// LayerSparsity="conv1=0.8;fc1=0.6" (docs/compression.md#layersparsity): the sparsity of some layers, named by their
/// ONNX node, instead of their share of the global Sparsity. What Sparsity="auto" pins its per-layer choice with. A
/// value: equal when it names the same layers with the same sparsities, whatever the order written.
/// </summary>
public sealed class LayerSparsity : IEquatable<LayerSparsity>
{
    private readonly SortedDictionary<string, float> _layers;

    public LayerSparsity(IEnumerable<KeyValuePair<string, float>> layers)
    {
        _layers = new SortedDictionary<string, float>(StringComparer.Ordinal);
        foreach (var layer in layers)
        {
            if (!(layer.Value >= 0 && layer.Value < 1))
                throw new ArgumentOutOfRangeException(nameof(layers), layer.Value, $"Layer '{layer.Key}': sparsity must be in [0, 1).");
            _layers.Add(layer.Key, layer.Value);
        }
    }

    /// <summary>Layer name → sparsity, in ordinal order of the names.</summary>
    public IReadOnlyDictionary<string, float> Layers => _layers;

    public bool IsEmpty => _layers.Count == 0;

    /// <summary>The sparsity given for <paramref name="layer"/>'s node, or null when the layer is not named.</summary>
    public float? For(string layer) => _layers.TryGetValue(layer, out float s) ? s : null;

    /// <summary>
    /// The ONNX node name of a weighted layer, from its step's source ("'fc1' (Gemm)" → "fc1"; with a fused activation
    /// "'fc1' (Gemm) + 'relu1' (Relu)" → "fc1"): the name LayerSparsity and the report use. Unnamed nodes have the
    /// importer's stable "OpType_index" name.
    /// </summary>
    public static string NodeName(string source)
    {
        if (source.Length < 2 || source[0] != '\'') return source;
        int end = source.IndexOf("' (", 1, StringComparison.Ordinal);
        return end > 0 ? source.Substring(1, end - 1) : source;
    }

    /// <summary>
    /// Parses "name=s;name=s" (';' between entries, '=' before a sparsity 0 ≤ s &lt; 1 with '.' as decimal separator; a
    /// name may contain '=' but not ';'; spaces around names and values are ignored). Each problem as (code, text):
    /// MB1127 for an entry that is not name=number in range, MB1129 for a layer named twice.
    /// </summary>
    public static (LayerSparsity? Value, IReadOnlyList<(string Code, string Message)> Problems) Parse(string text)
    {
        var problems = new List<(string, string)>();
        var layers = new Dictionary<string, float>(StringComparer.Ordinal);
        foreach (string raw in text.Split(';'))
        {
            string entry = raw.Trim();
            if (entry.Length == 0) continue;
            int equals = entry.LastIndexOf('=');
            string name = equals > 0 ? entry.Substring(0, equals).Trim() : "";
            string value = equals > 0 ? entry.Substring(equals + 1).Trim() : "";
            if (name.Length == 0 || !float.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out float sparsity) || !(sparsity >= 0 && sparsity < 1))
            {
                problems.Add((ErrorCodes.InvalidLayerSparsity,
                    $"has '{Text.Printable(entry)}' in LayerSparsity; each entry must be an ONNX node name, '=', and a sparsity with 0 <= s < 1 and '.' as decimal separator, entries separated by ';' (e.g. LayerSparsity=\"conv1=0.8;fc1=0.6\")."));
                continue;
            }
            if (layers.ContainsKey(name))
                problems.Add((ErrorCodes.LayerNamedTwice,
                    $"names the layer '{Text.Printable(name)}' twice in LayerSparsity (={layers[name].ToString("0.###", CultureInfo.InvariantCulture)} and ={value}). Keep one entry per layer."));
            else layers.Add(name, sparsity);
        }
        if (problems.Count == 0 && layers.Count == 0)
            problems.Add((ErrorCodes.InvalidLayerSparsity,
                "has a LayerSparsity with no entry; give ONNX node names and sparsities (e.g. LayerSparsity=\"conv1=0.8;fc1=0.6\"), or remove it."));
        return (problems.Count == 0 ? new LayerSparsity(layers) : null, problems);
    }

    /// <summary>The metadata value: "conv1=0.8;fc1=0.6", names in ordinal order, sparsities as "0.###".</summary>
    public override string ToString() =>
        string.Join(";", _layers.Select(l => $"{l.Key}={l.Value.ToString("0.###", CultureInfo.InvariantCulture)}"));

    public bool Equals(LayerSparsity? other) => other != null && _layers.Count == other._layers.Count &&
        _layers.All(l => other._layers.TryGetValue(l.Key, out float s) && s.Equals(l.Value));

    public override bool Equals(object? obj) => Equals(obj as LayerSparsity);

    public override int GetHashCode() => _layers.Aggregate(17, (h, l) => unchecked((h * 31 + StringComparer.Ordinal.GetHashCode(l.Key)) * 31 + l.Value.GetHashCode()));
}
