using System;
using System.Collections.Concurrent;
using System.IO;
using System.Security.Cryptography;
using System.Text;

namespace PiXGen.Cuda;

/// <summary>
/// Compiled kernel images, in memory and on disk. The key is the SHA-256 of the source, the target architecture
/// (e.g. <c>sm_90</c>) and NVRTC's version; the folder is <c>$PIXGEN_CUDA_CACHE</c> when set (<c>off</c> disables
/// the disk cache), else <c>PiXGen/cuda-cache</c> under the user's local application data
/// (<c>~/.local/share</c> on Linux, <c>%LOCALAPPDATA%</c> on Windows). Files are written to a temporary name and
/// then moved, so concurrent processes never read half a file; an unreadable or unwritable folder only costs a
/// recompilation.
/// </summary>
public static class CudaKernelCache
{
    /// <summary>Environment variable overriding the cache folder (<c>off</c>: no disk cache).</summary>
    public const string DirectoryVariable = "PIXGEN_CUDA_CACHE";

    private static readonly ConcurrentDictionary<string, (byte[] image, bool ptx)> Memory = new(StringComparer.Ordinal);

    /// <summary>Lowercase hex SHA-256 of source, architecture and NVRTC version.</summary>
    public static string Key(string source, string arch, string nvrtcVersion)
    {
        using var sha = SHA256.Create();
        var hash = sha.ComputeHash(Encoding.UTF8.GetBytes($"{arch}\n{nvrtcVersion}\n{source}"));
        return Convert.ToHexString(hash).ToLowerInvariant();
    }

    /// <summary>The disk cache folder for the environment given, or null when disabled or there is no home folder.</summary>
    public static string? Folder(Func<string, string?> environment, string localApplicationData)
    {
        var configured = environment(DirectoryVariable);
        if (!string.IsNullOrEmpty(configured))
            return string.Equals(configured, "off", StringComparison.OrdinalIgnoreCase) ? null : configured;
        return string.IsNullOrEmpty(localApplicationData) ? null : Path.Combine(localApplicationData, "PiXGen", "cuda-cache");
    }

    /// <summary>The cache file of <paramref name="key"/>: <c>{key}.cubin</c> or <c>{key}.ptx</c>.</summary>
    public static string FilePath(string folder, string key, bool ptx) => Path.Combine(folder, key + (ptx ? ".ptx" : ".cubin"));

    /// <summary>This process's folder (from the environment).</summary>
    public static string? CurrentFolder =>
        Folder(Environment.GetEnvironmentVariable, Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData));

    /// <summary>
    /// The image for <paramref name="key"/>: from memory, else from the disk cache, else from
    /// <paramref name="compile"/> (then stored in both). Returns where it came from too.
    /// </summary>
    public static (byte[] image, bool ptx, string origin) GetOrCompile(string key, string? folder, Func<(byte[] image, bool ptx)> compile)
    {
        if (Memory.TryGetValue(key, out var hit)) return (hit.image, hit.ptx, "memory");
        if (folder is not null) {
            foreach (var ptx in new[] { false, true }) {
                var path = FilePath(folder, key, ptx);
                try {
                    if (File.Exists(path)) {
                        var image = File.ReadAllBytes(path);
                        if (image.Length > 0) {
                            Memory[key] = (image, ptx);
                            return (image, ptx, "disk");
                        }
                    }
                } catch (IOException) {
                } catch (UnauthorizedAccessException) {
                }
            }
        }
        var compiled = compile();
        Memory[key] = compiled;
        if (folder is not null) TryWrite(FilePath(folder, key, compiled.ptx), compiled.image);
        return (compiled.image, compiled.ptx, "nvrtc");
    }

    private static void TryWrite(string path, byte[] image)
    {
        try {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            AtomicFile.WriteAllBytes(path, image);
        } catch (IOException) {
        } catch (UnauthorizedAccessException) {
        }
    }
}
