using Causeway.Api.Loading;

namespace Causeway.ControlPlane.Config;

/// <summary>
/// Names, sizes and write times of a directory's config files: cheap to compute, and it changes with any edit, so a
/// watcher compares it instead of trusting file events alone (editors write in several steps; some file systems send
/// no events).
/// </summary>
public static class ConfigFingerprint
{
    public static string Of(string directory)
    {
        try
        {
            return string.Join("|", ConfigLoader.EnumerateConfigFiles(directory).Select(f =>
            {
                var info = new FileInfo(f);
                return $"{f}:{info.Length}:{info.LastWriteTimeUtc.Ticks}";
            }));
        }
        catch (IOException)
        {
            return "";
        }
    }
}
