using Causeway.Api.Loading;

namespace Causeway.ControlPlane.Config;

/// <summary>
/// Names, sizes and write times of a directory's config files: cheap to compute, and it changes with any edit, so a
/// watcher compares it instead of trusting file events alone (editors write in several steps; some file systems send
/// no events).
/// </summary>
public static class ConfigFingerprint
{
    /// <summary>One file's size and write time: it changes when the file does.</summary>
    public static string Stamp(string file)
    {
        var info = new FileInfo(file);
        return $"{info.Length}:{info.LastWriteTimeUtc.Ticks}";
    }

    public static string Of(string directory)
    {
        try
        {
            return string.Join("|", ConfigLoader.EnumerateConfigFiles(directory).Select(f => $"{f}:{Stamp(f)}"));
        }
        catch (IOException)
        {
            return "";
        }
    }
}
