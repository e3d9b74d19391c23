using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.NanoFramework;

namespace ModelBaker.Tasks;

/// <summary>
/// After the compiler has built a project with <c>CodeTarget="NanoFramework"</c> models, measures the assembly
/// against nanoCLR's limits (<see cref="NanoAssemblyChecker"/>): the device refuses, crashes on or miscomputes an
/// assembly that breaks one, and neither the compiler nor MetadataProcessor says so. A broken limit is error MB2004 on
/// the model's line of the project file, so the build fails instead of the firmware.
/// </summary>
public sealed class CheckNanoFrameworkAssembly : Task
{
    /// <summary>The compiled assembly: @(IntermediateAssembly).</summary>
    [Required] public ITaskItem? Assembly { get; set; }

    /// <summary>The CompressedModel items with CodeTarget="NanoFramework"; the error is shown on the first one's line.</summary>
    [Required] public ITaskItem[] Models { get; set; } = Array.Empty<ITaskItem>();

    public string ProjectFile { get; set; } = "";

    public override bool Execute()
    {
        string path = Assembly!.GetMetadata("FullPath");
        var location = ItemLocation.Of(Models[0], ProjectFile);
        string models = string.Join(", ", Models.Select(m => Path.GetFileName(m.ItemSpec)));
        try
        {
            var violations = NanoAssemblyChecker.Check(ImmutableArray.Create(File.ReadAllBytes(path)));
            if (violations.Count == 0) return true;
            string message = NanoAssemblyChecker.Describe(violations, $"The assembly {Path.GetFileName(path)}, with the class{(Models.Length == 1 ? "" : "es")} baked from {models},");
            Log.LogError(null, ErrorCodes.NanoFrameworkLimitExceeded, null, location.File, location.Line, 0, 0, 0, message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or BadImageFormatException)
        {
            Log.LogError(null, ErrorCodes.InternalError, null, location.File, location.Line, 0, 0, 0,
                $"Could not read the compiled assembly '{path}' to check it against nanoFramework's limits: {e.Message}");
        }
        return false;
    }
}
