namespace ModelBaker.Tests;

/// <summary>
/// Files under tests/data/, which the test project copies next to the test assembly as data/. Resolving
/// against AppContext.BaseDirectory keeps tests independent of the working directory the runner picks.
/// </summary>
public static class TestData
{
    public static string Root { get; } = System.IO.Path.Combine(AppContext.BaseDirectory, "data");

    /// <summary>TestData.Path("models", "mnist8", "model.onnx").</summary>
    public static string Path(params string[] parts) => System.IO.Path.Combine(new[] { Root }.Concat(parts).ToArray());
}
