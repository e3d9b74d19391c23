using ModelBaker.Core.Calibration;

namespace ModelBaker.Tests.Support;

/// <summary>Writes float32 .npy files for calibration and validation data made in tests.</summary>
public static class Npy
{
    public static void Write(string path, float[][] rows) => NpyWriter.Write(path, rows);
}
