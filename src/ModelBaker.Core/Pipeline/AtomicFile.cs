using System;
using System.IO;
using System.Text;

namespace ModelBaker.Core.Pipeline;

/// <summary>
/// Files that readers never see half-written (a build reading a plan, an IDE opening generated code, a killed bake):
/// the bytes go to a temporary file in the same folder, then a rename puts them in place.
/// </summary>
public static class AtomicFile
{
    public static void Write(string path, byte[] bytes)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        string temporary = Path.Combine(directory, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            File.WriteAllBytes(temporary, bytes);
            if (File.Exists(path)) File.Replace(temporary, path, null);
            else File.Move(temporary, path);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    /// <summary>UTF-8 without a byte order mark.</summary>
    public static void WriteText(string path, string text) => Write(path, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text));
}
