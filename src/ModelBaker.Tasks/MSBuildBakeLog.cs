using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Diagnostics;

namespace ModelBaker.Tasks;

/// <summary>The bake's progress and warnings, sent to the build log against the item being baked.</summary>
internal sealed class MSBuildBakeLog : IBakeLog
{
    private readonly TaskLoggingHelper _log;
    private readonly ItemLocation _location;

    public MSBuildBakeLog(TaskLoggingHelper log, ItemLocation location)
    {
        _log = log;
        _location = location;
    }

    public void Info(string message) => _log.LogMessage(MessageImportance.Low, "ModelBaker: " + message);

    public void Warning(string code, string message) =>
        _log.LogWarning(null, code, null, _location.File, _location.Line, 0, 0, 0, message);
}
