using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;

namespace ModelBaker.Core.Onnx;

/// <summary>
/// A path with every symbolic link (or junction) on the way followed, like POSIX realpath(3), so that a check "is this
/// file inside that folder" cannot be fooled by a link inside the folder that points elsewhere. Components that do
/// not exist are kept as written (the caller then reports the file missing).
/// </summary>
internal static class RealPath
{
    /// <summary>Links followed before giving up, as Linux's ELOOP limit.</summary>
    private const int MaxLinks = 40;

    public sealed class UnresolvableLinkException : Exception
    {
        public UnresolvableLinkException(string message) : base(message) { }
    }

    public static string Of(string path)
    {
        string full = Path.GetFullPath(path);
        string root = Path.GetPathRoot(full)!;
        var pending = new Stack<string>();
        PushComponents(pending, full.Substring(root.Length));

        string current = root;
        int links = 0;
        while (pending.Count > 0)
        {
            string part = pending.Pop();
            if (part.Length == 0 || part == ".") continue;
            if (part == "..") { current = Path.GetDirectoryName(current) ?? current; continue; }

            string next = Path.Combine(current, part);
            FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            if (!info.Exists || (info.Attributes & FileAttributes.ReparsePoint) == 0)
            {
                current = next;
                continue;
            }
            if (++links > MaxLinks) throw new UnresolvableLinkException($"more than {MaxLinks} symbolic links on the way to '{next}'");
            string target = LinkTarget(info)
                ?? throw new UnresolvableLinkException($"'{next}' is a link this runtime cannot follow");
            // The target's components replace the link's; a relative target is relative to the link's folder.
            PushComponents(pending, Path.IsPathRooted(target) ? target.Substring(Path.GetPathRoot(target)!.Length) : target);
            if (Path.IsPathRooted(target)) current = Path.GetPathRoot(Path.GetFullPath(target))!;
        }
        return current;
    }

    private static void PushComponents(Stack<string> pending, string relative)
    {
        var parts = relative.Split(new[] { Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar }, StringSplitOptions.RemoveEmptyEntries);
        for (int i = parts.Length - 1; i >= 0; i--) pending.Push(parts[i]);
    }

    /// <summary>
    /// The link's target as stored. FileSystemInfo.LinkTarget exists from .NET 6 on, where `dotnet build` runs this
    /// code; this assembly targets netstandard2.0 (for Visual Studio's .NET Framework MSBuild), so it is found at run
    /// time. Where it is missing, links cannot be followed and are refused rather than trusted.
    /// </summary>
    private static string? LinkTarget(FileSystemInfo info) => (string?)LinkTargetProperty?.GetValue(info);

    private static readonly PropertyInfo? LinkTargetProperty = typeof(FileSystemInfo).GetProperty("LinkTarget");
}
