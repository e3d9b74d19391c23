using System.Collections.Generic;
using System.Globalization;

namespace ModelBaker.Core.Reporting;

/// <summary>
/// What Sparsity="auto" chose and how (docs/compression.md#sparsityauto): the budget, the data that judged each setting,
/// every setting tried, and the build time the search cost. The chosen model is the bake of <see cref="Sparsity"/> and
/// <see cref="Clusters"/>; <see cref="Pin"/> is the metadata that bakes it without searching.
/// </summary>
public sealed record SearchReport(double MaxAccuracyDrop, string MeasuredOn, float Sparsity, int? Clusters, double Drop,
    IReadOnlyList<SearchTrial> Trials, double Seconds)
{
    public string Pin => SettingText.Pin(Sparsity, Clusters);

    private string SparsityText => SettingText.Sparsity(Sparsity);

    /// <summary>The summary line's clause: "chosen: Sparsity 0.7, Clusters 16 (…); pin with Sparsity="0.7" Clusters="16"".</summary>
    public string Summary => string.Format(CultureInfo.InvariantCulture,
        "chosen: Sparsity {0}{1} (drop {2:0.00} ≤ MaxAccuracyDrop {3:0.##} on {4}; {5} settings baked in {6:0.0} s); pin with {7}",
        SparsityText, Clusters is { } k ? $", Clusters {k}" : "", Drop, MaxAccuracyDrop, MeasuredOn, Trials.Count, Seconds, Pin);

    internal void Write(JsonWriter json)
    {
        json.OpenObject("search");
        json.Field("maxAccuracyDrop", MaxAccuracyDrop);
        json.Field("measuredOn", MeasuredOn);
        json.Field("sparsity", (double)Sparsity);
        json.Field("clusters", Clusters);
        json.Field("drop", Drop);
        json.Field("pin", Pin);
        json.Field("seconds", Seconds);
        json.OpenArray("trials");
        foreach (var t in Trials)
        {
            json.Open();
            json.Field("sparsity", (double)t.Sparsity);
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
public sealed record SearchTrial(float Sparsity, int? Clusters, double Drop, long Bytes)
{
    public string Label => SettingText.Label(Sparsity, Clusters);
}

/// <summary>A compression setting as the table, the chart and the summary line write it.</summary>
public static class SettingText
{
    public static string Sparsity(float sparsity) => sparsity.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>"0.7" or "0.7 + 16 clusters".</summary>
    public static string Label(float sparsity, int? clusters) => clusters is { } k ? $"{Sparsity(sparsity)} + {k} clusters" : Sparsity(sparsity);

    /// <summary>The metadata that bakes the setting: Sparsity="0.7" Clusters="16".</summary>
    public static string Pin(float sparsity, int? clusters) => $"Sparsity=\"{Sparsity(sparsity)}\"" + (clusters is { } k ? $" Clusters=\"{k}\"" : "");
}
