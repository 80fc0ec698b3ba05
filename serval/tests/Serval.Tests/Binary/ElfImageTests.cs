using System.Buffers.Binary;
using Serval.Binary;
using Serval.Tests.RiscV;

namespace Serval.Tests.Binary;

public sealed class ElfImageTests
{
    [Fact(Timeout = 120_000), Integration]
    public async Task A_corrupt_header_table_or_line_table_is_a_bad_elf_never_an_index_error()
    {
        // Every byte of the ELF header, of the section header table and of the first bytes of each section's contents
        // (symbol and string tables, .debug_line, .debug_info) set in turn to 0x80 and 0xff.
        var token = TestContext.Current.CancellationToken;
        using var dir = new TempDirectory("elf-corrupt");
        var built = await FunctionTests.BuildAsync(dir, "long table[4]; long get(unsigned long i) { return i < 4 ? table[i] : -1; }", "-O1", token);
        var original = await File.ReadAllBytesAsync(built.Path, token);
        var headers = (int)BinaryPrimitives.ReadUInt64LittleEndian(original.AsSpan(40));
        var count = BinaryPrimitives.ReadUInt16LittleEndian(original.AsSpan(60));
        var positions = Enumerable.Range(0, 64).Concat(Enumerable.Range(headers, count * 64));
        for (var i = 1; i < count; i++)
        {
            var offset = (int)BinaryPrimitives.ReadUInt64LittleEndian(original.AsSpan(headers + (i * 64) + 24));
            var size = (int)BinaryPrimitives.ReadUInt64LittleEndian(original.AsSpan(headers + (i * 64) + 32));
            positions = positions.Concat(Enumerable.Range(offset, Math.Min(size, 48)));
        }
        var path = dir.Combine("corrupt.elf");
        foreach (var position in positions.Where(p => p < original.Length).Distinct())
        {
            foreach (var value in new byte[] { 0x80, 0xff })
            {
                var corrupt = (byte[])original.Clone();
                corrupt[position] = value;
                await File.WriteAllBytesAsync(path, corrupt, token);
                try
                {
                    ElfImage.Load(path);
                }
                catch (BadElfException)
                {
                }
                catch (Exception e)
                {
                    Assert.Fail($"byte {position} set to 0x{value:x2}: {e}");
                }
            }
        }
    }
}
