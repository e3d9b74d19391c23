using System;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Onnx.Protos;

namespace ModelBaker.Core.Onnx;

/// <summary>
/// Reads the bytes of a tensor stored outside the model (data_location = EXTERNAL). A model is untrusted input, so
/// its "location" may only name a regular file that really lies inside the model's own folder — after every
/// symbolic link on the way is followed (<see cref="RealPath"/>) — and only the bytes the tensor's shape needs are
/// read: otherwise a downloaded model could make the build read any file on the machine into generated code, or
/// wait forever on a FIFO.
/// </summary>
internal static class ExternalData
{
    /// <param name="expectedBytes">What the tensor's shape and element type need; nothing else is read.</param>
    public static byte[] Read(TensorProto tensor, string modelDirectory, long expectedBytes)
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
        var file = new FileInfo(path);
        if (!file.Exists)
            throw new BakeException(ErrorCodes.ExternalDataMissing,
                $"Tensor {name} keeps its data in '{Shown(location!)}', which does not exist next to the model (looked for '{path}'). Copy the data file beside the model, or re-save the model with its weights inside.");
        // A device, a FIFO or a socket reports no length (or none to trust): only a plain file's bytes are data.
        if ((file.Attributes & (FileAttributes.Device | FileAttributes.Directory | FileAttributes.ReparsePoint)) != 0)
            throw new BakeException(ErrorCodes.ExternalDataOutsideModelFolder,
                $"Tensor {name} keeps its data in '{Shown(location!)}', which is not a regular file. Keep external data in ordinary files beside the model.");

        long offset = ParseOptional(offsetText, "offset", name) ?? 0;
        long fileLength = file.Length;
        long length = ParseOptional(lengthText, "length", name) ?? Math.Max(expectedBytes, fileLength - offset);
        if (offset > fileLength || length > fileLength - offset)
            throw new BakeException(ErrorCodes.ExternalDataMissing,
                $"Tensor {name} reads {length} bytes from offset {offset} of '{Shown(location!)}', but that file has only {fileLength} bytes. The data file is truncated or belongs to another model.");
        if (length != expectedBytes)
            throw new BakeException(ErrorCodes.ModelUnreadable,
                $"Tensor {name} is damaged: its shape needs {expectedBytes} bytes of data but its external data in '{Shown(location!)}' holds {length}. Check the model with onnx.checker.check_model(path, full_check=True) and re-export it.");
        // A FIFO or a character device has length 0: a tensor of no bytes never opens the file, so it cannot block.
        if (length == 0) return Array.Empty<byte>();

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
            throw new BakeException(ErrorCodes.ExternalDataMissing, $"Tensor {name}: '{Shown(location!)}' ended before {length} bytes could be read.");
        return bytes;
    }

    /// <summary>
    /// The real path of <paramref name="location"/> (every symbolic link followed), refused unless it lies inside the
    /// model folder's own real path. The lexical check comes first, so "../x" is refused whether or not it exists.
    /// </summary>
    private static string ResolveInside(string modelDirectory, string location, string tensorName)
    {
        if (location.IndexOfAny(ControlCharacters) >= 0)
            throw Outside(tensorName, location, modelDirectory, "it contains control characters");
        string root = Path.GetFullPath(modelDirectory);
        // ONNX locations are POSIX paths; on Windows '/' and '\' are both separators anyway. A leading '/' or
        // '\' is absolute on every platform as far as we are concerned, even where .NET would call it relative.
        bool absolute = Path.IsPathRooted(location) || location.StartsWith("/") || location.StartsWith("\\");
        string full;
        try { full = absolute ? location : Path.GetFullPath(Path.Combine(root, location)); }
        catch (Exception e) when (e is ArgumentException || e is NotSupportedException || e is PathTooLongException)
        {
            throw Outside(tensorName, location, root, "it is not a valid path");
        }
        if (absolute || !IsInside(full, root))
            throw Outside(tensorName, location, root, "");

        string realRoot, realFull;
        try
        {
            realRoot = RealPath.Of(root);
            realFull = RealPath.Of(full);
        }
        catch (RealPath.UnresolvableLinkException e)
        {
            throw Outside(tensorName, location, root, e.Message);
        }
        if (!IsInside(realFull, realRoot))
            throw Outside(tensorName, location, root, $"a symbolic link on the way leads to '{realFull}'");
        return realFull;
    }

    private static bool IsInside(string path, string folder)
    {
        string withSeparator = folder.EndsWith(Path.DirectorySeparatorChar.ToString()) ? folder : folder + Path.DirectorySeparatorChar;
        var comparison = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        return path.StartsWith(withSeparator, comparison);
    }

    private static BakeException Outside(string tensorName, string location, string root, string why) =>
        new(ErrorCodes.ExternalDataOutsideModelFolder,
            $"Tensor {tensorName} keeps its data in '{Shown(location)}', outside the model's folder '{root}'{(why.Length > 0 ? $" ({why})" : "")}. " +
            "For safety ModelBaker only reads external data from regular files inside that folder: move the data file beside the model and re-save the model with a relative location.");

    /// <summary>A location as it may appear in a message: control characters shown as \uXXXX.</summary>
    private static string Shown(string location) => Diagnostics.Text.Printable(location);

    private static readonly char[] ControlCharacters = CreateControlCharacters();

    private static char[] CreateControlCharacters()
    {
        var chars = new char[32];
        for (int i = 0; i < 32; i++) chars[i] = (char)i;
        return chars;
    }

    private static long? ParseOptional(string? text, string key, string tensorName)
    {
        if (text == null) return null;
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value)) return value;
        throw new BakeException(ErrorCodes.ExternalDataMissing,
            $"Tensor {tensorName} has an external-data '{key}' of '{Shown(text)}', which is not a non-negative integer below 2^63. The model file is damaged; re-export it.");
    }
}
