using System.Buffers;
using CsCheck;
using Derecho.Transport;

namespace Derecho.Tests.Transport;

public sealed class FrameTests
{
    [Fact]
    public void Frames_split_anywhere_across_segments_round_trip()
    {
        Gen.Byte.Array[0, 300].Array[1, 8].Select(Gen.Int[1, 64]).Sample((payloads, segmentSize) =>
        {
            var writer = new ArrayBufferWriter<byte>();
            foreach (var payload in payloads)
            {
                Frame.Write(writer, FrameType.Protocol, payload);
            }
            var buffer = Segmented(writer.WrittenSpan.ToArray(), segmentSize);

            var decoded = new List<byte[]>();
            while (Frame.TryRead(ref buffer, 1024, out var type, out var body))
            {
                Assert.Equal(FrameType.Protocol, type);
                decoded.Add(body.ToArray());
            }

            Assert.True(buffer.IsEmpty);
            Assert.Equal(payloads, decoded);
        });
    }

    [Fact]
    public void A_prefix_of_a_frame_asks_for_more_bytes()
    {
        var frame = Frame.Encode(FrameType.Protocol, [1, 2, 3, 4, 5]);
        for (var length = 0; length < frame.Length; length++)
        {
            var buffer = new ReadOnlySequence<byte>(frame, 0, length);
            Assert.False(Frame.TryRead(ref buffer, 1024, out _, out _));
            Assert.Equal(length, buffer.Length);
        }
    }

    [Fact]
    public void Any_flipped_bit_is_detected_or_waits_for_bytes_that_never_make_a_valid_frame()
    {
        var frame = Frame.Encode(FrameType.Protocol, [.. Enumerable.Range(0, 40).Select(i => (byte)i)]);
        for (var bit = 0; bit < frame.Length * 8; bit++)
        {
            var corrupt = (byte[])frame.Clone();
            corrupt[bit / 8] ^= (byte)(1 << (bit % 8));
            var buffer = new ReadOnlySequence<byte>(corrupt);
            try
            {
                // Only a flipped length bit that asks for more bytes may return; it must not yield a frame.
                Assert.False(Frame.TryRead(ref buffer, 1 << 20, out _, out _));
                Assert.InRange(bit, 4 * 8, 8 * 8 - 1);
            }
            catch (MalformedFrameException)
            {
            }
        }
    }

    [Theory]
    [InlineData(new byte[] { (byte)'X' }, "magic")]
    [InlineData(new byte[] { (byte)'D', (byte)'R', 9 }, "version 9")]
    [InlineData(new byte[] { (byte)'D', (byte)'R', 1, 2 }, "version 1")]
    [InlineData(new byte[] { (byte)'D', (byte)'R', Frame.Version, 77 }, "unknown frame type 77")]
    [InlineData(new byte[] { (byte)'D', (byte)'R', Frame.Version, 2, 0, 0, 0, 0x40, 0, 0, 0, 0 }, "exceeds")]
    public void Garbage_is_rejected_from_its_first_bytes(byte[] bytes, string reason)
    {
        var buffer = new ReadOnlySequence<byte>(bytes);
        var error = Assert.Throws<MalformedFrameException>(() => Frame.TryRead(ref buffer, 1 << 20, out _, out _));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_payload_checksummed_in_two_parts_matches_the_whole_and_any_flipped_bit_in_either_part_is_caught()
    {
        Gen.Byte.Array[1, 3000].Select(Gen.Int[0, 3000], Gen.Int).Sample((payload, splitAt, flip) =>
        {
            var split = Math.Min(splitAt, payload.Length);
            var header = Frame.Header(FrameType.Bulk, payload.AsSpan(0, split), payload.AsSpan(split));
            Assert.Equal(Frame.Encode(FrameType.Bulk, payload).AsSpan(0, Frame.HeaderSize).ToArray(), header);
            Frame.Verify(header, payload.AsSpan(0, split), payload.AsSpan(split));

            var damaged = (byte[])payload.Clone();
            var bit = (int)((uint)flip % (uint)(8 * damaged.Length));
            damaged[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.Throws<MalformedFrameException>(() => Frame.Verify(header, damaged.AsSpan(0, split), damaged.AsSpan(split)));
        });
    }

    [Fact]
    public void Hello_round_trips()
    {
        var hello = new Hello(42, 0xDEADBEEF_12345678);
        var buffer = new ReadOnlySequence<byte>(hello.ToFrame());
        Assert.True(Frame.TryRead(ref buffer, Hello.Size, out var type, out var payload));
        Assert.Equal(FrameType.Hello, type);
        Assert.Equal(hello, Hello.Parse(payload));
    }

    private static ReadOnlySequence<byte> Segmented(byte[] bytes, int segmentSize)
    {
        if (bytes.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }
        Segment? first = null;
        Segment? last = null;
        for (var offset = 0; offset < bytes.Length; offset += segmentSize)
        {
            var chunk = bytes.AsMemory(offset, Math.Min(segmentSize, bytes.Length - offset));
            if (last is null)
            {
                first = last = new Segment(chunk, 0);
            }
            else
            {
                last = last.Append(chunk);
            }
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
