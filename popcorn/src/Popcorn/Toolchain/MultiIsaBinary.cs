using System.Buffers.Binary;
using System.Text;

namespace Popcorn.Toolchain;

/// <summary>
/// The multi-ISA file <c>popcorn cc</c> writes and <c>popcorn run</c> reads: one file that embeds the aligned
/// per-ISA executables. Layout (little-endian):
/// <code>
/// 0   8   magic "POPCORN\0"
/// 8   4   format version (1)
/// 12  4   number of images N
/// 16  N × 32-byte entries: ISA name (16 bytes, ASCII, NUL-padded: "aarch64", "riscv64"), u64 offset, u64 length
///     then the images, each a complete static ELF executable starting at a 4096-aligned offset
/// </code>
/// The same images are also written beside the file as <c>out.aarch64</c> and <c>out.riscv64</c>.
/// </summary>
public sealed class MultiIsaBinary
{
    /// <summary>The file's first eight bytes.</summary>
    public static ReadOnlySpan<byte> Magic => "POPCORN\0"u8;

    /// <summary>The format version this class reads and writes.</summary>
    public const uint Version = 1;

    private const int HeaderSize = 16;
    private const int EntrySize = 32;
    private const int NameSize = 16;
    private const int ImageAlignment = 4096;

    private readonly Dictionary<TargetIsa, byte[]> _images;

    /// <summary>Creates a binary from per-ISA ELF images.</summary>
    public MultiIsaBinary(IReadOnlyDictionary<TargetIsa, byte[]> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        _images = images.ToDictionary(p => p.Key, p => p.Value);
    }

    /// <summary>The ISAs this binary has images for, in a fixed order.</summary>
    public IReadOnlyList<TargetIsa> Isas => [.. _images.Keys.Order()];

    /// <summary>The ELF executable for <paramref name="isa"/>.</summary>
    /// <exception cref="KeyNotFoundException">The binary has no image for that ISA.</exception>
    public ReadOnlyMemory<byte> Image(TargetIsa isa) =>
        _images.TryGetValue(isa, out var image) ? image : throw new KeyNotFoundException($"the binary has no {isa.Name()} image");

    /// <summary>Reads a multi-ISA file.</summary>
    /// <exception cref="InvalidDataException">The file is not a multi-ISA binary, names an unknown ISA or is truncated.</exception>
    public static MultiIsaBinary Read(string path) => Parse(File.ReadAllBytes(path), path);

    /// <summary>True when <paramref name="path"/> starts with the multi-ISA magic.</summary>
    public static bool IsMultiIsaFile(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> head = stackalloc byte[8];
        return stream.ReadAtLeast(head, 8, throwOnEndOfStream: false) == 8 && head.SequenceEqual(Magic);
    }

    /// <summary>Parses a multi-ISA file's bytes; <paramref name="name"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">Not a multi-ISA binary, an unknown ISA, or truncated.</exception>
    public static MultiIsaBinary Parse(ReadOnlySpan<byte> data, string name)
    {
        if (data.Length < HeaderSize || !data[..8].SequenceEqual(Magic))
        {
            throw new InvalidDataException($"{name} is not a popcorn multi-ISA binary (no POPCORN magic); build it with 'popcorn cc'");
        }
        var version = BinaryPrimitives.ReadUInt32LittleEndian(data[8..]);
        if (version != Version)
        {
            throw new InvalidDataException($"{name} has multi-ISA format version {version}; this popcorn reads version {Version}");
        }
        var count = BinaryPrimitives.ReadUInt32LittleEndian(data[12..]);
        if (count == 0 || count > 16 || data.Length < HeaderSize + (count * EntrySize))
        {
            throw new InvalidDataException($"{name} has a malformed image table ({count} entries)");
        }
        var images = new Dictionary<TargetIsa, byte[]>();
        for (var i = 0; i < count; i++)
        {
            var entry = data.Slice(HeaderSize + (i * EntrySize), EntrySize);
            var isaName = Encoding.ASCII.GetString(entry[..NameSize]).TrimEnd('\0');
            var isa = TargetIsas.Parse(isaName) ?? throw new InvalidDataException($"{name} has an image for unknown ISA '{isaName}'");
            var offset = BinaryPrimitives.ReadUInt64LittleEndian(entry[16..]);
            var length = BinaryPrimitives.ReadUInt64LittleEndian(entry[24..]);
            if (offset > (ulong)data.Length || length > (ulong)data.Length - offset)
            {
                throw new InvalidDataException($"{name}: the {isaName} image (offset {offset}, {length} bytes) lies beyond the end of the file");
            }
            images[isa] = data.Slice((int)offset, (int)length).ToArray();
        }
        return new MultiIsaBinary(images);
    }

    /// <summary>Writes the multi-ISA file to <paramref name="path"/>.</summary>
    public void Write(string path)
    {
        var isas = Isas;
        var offset = AlignUp(HeaderSize + (isas.Count * EntrySize));
        var header = new byte[offset];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), Version);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(12), (uint)isas.Count);
        var offsets = new List<int>();
        for (var i = 0; i < isas.Count; i++)
        {
            var entry = header.AsSpan(HeaderSize + (i * EntrySize), EntrySize);
            Encoding.ASCII.GetBytes(isas[i].Name()).CopyTo(entry);
            BinaryPrimitives.WriteUInt64LittleEndian(entry[16..], (ulong)offset);
            BinaryPrimitives.WriteUInt64LittleEndian(entry[24..], (ulong)_images[isas[i]].Length);
            offsets.Add(offset);
            offset = AlignUp(offset + _images[isas[i]].Length);
        }
        using var stream = File.Create(path);
        stream.Write(header);
        for (var i = 0; i < isas.Count; i++)
        {
            stream.Position = offsets[i];
            stream.Write(_images[isas[i]]);
        }
    }

    private static int AlignUp(int value) => (value + ImageAlignment - 1) / ImageAlignment * ImageAlignment;
}
