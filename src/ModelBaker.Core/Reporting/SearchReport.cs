using System;
using System.Collections.Generic;
using System.Globalization;
using ModelBaker.Core.Options;

namespace ModelBaker.Core.Reporting;

/// <summary>
/// What Sparsity="auto" chose and how (docs/compression.md#sparsityauto): the budget, the data that judged each setting,
/// every setting tried, and the build time the search cost. The chosen model is the bake of <see cref="Sparsity"/> and
/// <see cref="Clusters"/>; <see cref="Pin"/> is the metadata that bakes it without searching.
/// </summary>
public sealed record SearchReport(double MaxAccuracyDrop, string MeasuredOn, float Sparsity, int? Clusters, double Drop,
    IReadOnlyList<SearchTrial> Trials, double Seconds)
{
    /// <summary>Layers whose sparsity the per-layer refinement set apart from <see cref="Sparsity"/>'s spread; null when none.</summary>
    public LayerSparsity? LayerSparsity { get; init; }

    /// <summary>Every prunable layer of the chosen setting: its ONNX node, weights, sparsity, and the measured cost that ranked it.</summary>
    public IReadOnlyList<SearchLayer> Layers { get; init; } = Array.Empty<SearchLayer>();

    public string Pin => SettingText.Pin(Sparsity, Clusters, LayerSparsity);

    private string SparsityText => SettingText.Sparsity(Sparsity);

    /// <summary>The summary line's clause: "chosen: Sparsity 0.7, Clusters 16 (…); pin with Sparsity="0.7" Clusters="16"".</summary>
    public string Summary => string.Format(CultureInfo.InvariantCulture,
        "chosen: Sparsity {0}{1}{2} (drop {3:0.00} ≤ MaxAccuracyDrop {4:0.##} on {5}; {6} settings baked in {7:0.0} s); pin with {8}",
        SparsityText, LayerSparsity is { } l ? $" with {l.Layers.Count} layer{(l.Layers.Count == 1 ? "" : "s")} apart ({l.ToString().Replace(";", ", ")})" : "",
        Clusters is { } k ? $", Clusters {k}" : "", Drop, MaxAccuracyDrop, MeasuredOn, Trials.Count, Seconds, Pin);

    internal void Write(JsonWriter json)
    {
        json.OpenObject("search");
        json.Field("maxAccuracyDrop", MaxAccuracyDrop);
        json.Field("measuredOn", MeasuredOn);
        json.Field("sparsity", (double)Sparsity);
        json.Field("layerSparsity", LayerSparsity?.ToString());
        json.Field("clusters", Clusters);
        json.Field("drop", Drop);
        json.Field("pin", Pin);
        json.OpenArray("layers");
        foreach (var layer in Layers)
        {
            json.Open();
            json.Field("name", layer.Name);
            json.Field("weights", layer.Weights);
            json.Field("sparsity", layer.Sparsity);
            json.Field("cost", layer.Cost);
            json.Close();
        }
        json.CloseArray();
        json.Field("seconds", Seconds);
        json.OpenArray("trials");
        foreach (var t in Trials)
        {
            json.Open();
            json.Field("sparsity", (double)t.Sparsity);
            json.Field("layerSparsity", t.LayerSparsity?.ToString());
            json.Field("clusters", t.Clusters);
            json.Field("drop", t.Drop);
            json.Field("bakedWeightBytes", t.Bytes);
            json.Close();
        }
        json.CloseArray();
        json.Close();
    }
}

/// <summary>One setting the search baked, in the order it was tried.</summary>
public sealed record SearchTrial(float Sparsity, int? Clusters, double Drop, long Bytes, LayerSparsity? LayerSparsity = null)
{
    public string Label => SettingText.Label(Sparsity, Clusters, LayerSparsity);
}

/// <summary>
/// A prunable layer in the chosen setting: its ONNX node name, weight count, sparsity, and its last measured cost — the
/// float model's output error added per weight when it alone went a step further (null when not measured).
/// </summary>
public sealed record SearchLayer(string Name, int Weights, double Sparsity, double? Cost);

/// <summary>A compression setting as the table, the chart and the summary line write it.</summary>
public static class SettingText
{
    public static string Sparsity(float sparsity) => sparsity.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>"0.7", "0.7 + 16 clusters", "0.7, 2 layers apart + 16 clusters".</summary>
    public static string Label(float sparsity, int? clusters, LayerSparsity? layers = null) =>
        Sparsity(sparsity) + (layers is { } l ? $", {l.Layers.Count} layer{(l.Layers.Count == 1 ? "" : "s")} apart" : "") + (clusters is { } k ? $" + {k} clusters" : "");

    /// <summary>The metadata that bakes the setting: Sparsity="0.7" LayerSparsity="fc1=0.9" Clusters="16".</summary>
    public static string Pin(float sparsity, int? clusters, LayerSparsity? layers = null) =>
        $"Sparsity=\"{Sparsity(sparsity)}\"" + (layers is { } l ? $" LayerSparsity=\"{l}\"" : "") + (clusters is { } k ? $" Clusters=\"{k}\"" : "");
}
