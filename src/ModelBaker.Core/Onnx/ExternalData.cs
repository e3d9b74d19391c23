using System;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Onnx.Protos;

namespace ModelBaker.Core.Onnx;

/// <summary>
/// Reads the bytes of a tensor stored outside the model (data_location = EXTERNAL). A model is untrusted
/// input, so its "location" may only name a file inside the model's own folder: otherwise a downloaded model
/// could make the build read any file on the machine into generated code.
/// </summary>
internal static class ExternalData
{
    public static byte[] Read(TensorProto tensor, string modelDirectory)
    {
        string? location = null, offsetText = null, lengthText = null;
        foreach (var entry in tensor.ExternalData)
        {
            switch (entry.Key)
            {
                case "location": location = entry.Value; break;
                case "offset": offsetText = entry.Value; break;
                case "length": lengthText = entry.Value; break;
            }
        }

        string name = TensorConverter.Describe(tensor);
        if (string.IsNullOrEmpty(location))
            throw new BakeException(ErrorCodes.ExternalDataMissing,
                $"Tensor {name} says its data is external but gives no 'location'. Re-save the model with its weights inside (onnx.save_model(model, path, save_as_external_data=False)).");

        string path = ResolveInside(modelDirectory, location!, name);
        if (!File.Exists(path))
            throw new BakeException(ErrorCodes.ExternalDataMissing,
                $"Tensor {name} keeps its data in '{location}', which does not exist next to the model (looked for '{path}'). Copy the data file beside the model, or re-save the model with its weights inside.");

        long offset = ParseOptional(offsetText, "offset", name) ?? 0;
        long fileLength = new FileInfo(path).Length;
        long length = ParseOptional(lengthText, "length", name) ?? fileLength - offset;
        if (offset > fileLength || length < 0 || offset + length > fileLength)
            throw new BakeException(ErrorCodes.ExternalDataMissing,
                $"Tensor {name} reads bytes {offset}..{offset + length} of '{location}', but that file has only {fileLength} bytes. The data file is truncated or belongs to another model.");
        if (length > int.MaxValue)
            throw new BakeException(ErrorCodes.ExternalDataMissing,
                $"Tensor {name} has {length} bytes of external data; ModelBaker reads at most 2 GB per tensor.");

        var bytes = new byte[length];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        stream.Seek(offset, SeekOrigin.Begin);
        int read = 0;
        while (read < bytes.Length)
        {
            int n = stream.Read(bytes, read, bytes.Length - read);
            if (n == 0) break;
            read += n;
        }
        if (read != bytes.Length)
            throw new BakeException(ErrorCodes.ExternalDataMissing, $"Tensor {name}: '{location}' ended before {length} bytes could be read.");
        return bytes;
    }

    /// <summary>The full path of <paramref name="location"/>, refused unless it stays inside the model folder.</summary>
    private static string ResolveInside(string modelDirectory, string location, string tensorName)
    {
        string root = Path.GetFullPath(modelDirectory);
        string rootWithSeparator = root.EndsWith(Path.DirectorySeparatorChar.ToString()) ? root : root + Path.DirectorySeparatorChar;
        // ONNX locations are POSIX paths; on Windows '/' and '\' are both separators anyway. A leading '/' or
        // '\' is absolute on every platform as far as we are concerned, even where .NET would call it relative.
        bool absolute = Path.IsPathRooted(location) || location.StartsWith("/") || location.StartsWith("\\");
        string full = absolute ? location : Path.GetFullPath(Path.Combine(root, location));
        var comparison = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        if (absolute || !full.StartsWith(rootWithSeparator, comparison))
            throw new BakeException(ErrorCodes.ExternalDataOutsideModelFolder,
                $"Tensor {tensorName} keeps its data in '{location}', outside the model's folder '{root}'. For safety ModelBaker only reads external data from files inside that folder: move the data file beside the model and re-save the model with a relative location.");
        return full;
    }

    private static long? ParseOptional(string? text, string key, string tensorName)
    {
        if (text == null) return null;
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value)) return value;
        throw new BakeException(ErrorCodes.ExternalDataMissing,
            $"Tensor {tensorName} has an external-data '{key}' of '{text}', which is not a non-negative integer. The model file is damaged; re-export it.");
    }
}
