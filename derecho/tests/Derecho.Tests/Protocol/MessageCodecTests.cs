using CsCheck;
using Derecho.Membership;
using Derecho.Protocol;
using Derecho.Sst;

namespace Derecho.Tests.Protocol;

public sealed class MessageCodecTests
{
    private static readonly Gen<ViewMember> GenMember =
        Gen.Select(Gen.UInt, Gen.ULong, Gen.String[0, 20], (id, incarnation, endpoint) => new ViewMember(id, incarnation, endpoint));

    private static readonly Gen<ViewProposal> GenProposal =
        Gen.Select(Gen.Int[1, int.MaxValue - 1], GenMember.Array[1, 6], Gen.UInt.Array[0, 4], Gen.UInt.Array[0, 4], Gen.Long[0, long.MaxValue].Array[0, 6].Array[1, 4])
            .Where(t => t.Item2.DistinctBy(m => m.NodeId).Count() == t.Item2.Length)
            .Select(t => new ViewProposal(t.Item1, t.Item2, t.Item3, t.Item4, t.Item5));

    private static readonly Gen<SstRow> GenRow =
        Gen.Select(Gen.UInt, Gen.ULong, Gen.Int[0, 1000], Gen.Bool.Array[0, 12], Gen.Bool, Gen.Long[0, 1 << 40])
            .SelectMany(t => Gen.Long[0, long.MaxValue].Array[0, t.Item4.Length].Array[1, 4].Select(received => (t, received)))
            .Select(x =>
            {
                var ((id, incarnation, viewId, suspected, wedged, counter), received) = x;
                var row = new SstRow(id, incarnation, viewId, 0)
                {
                    Version = counter,
                    Heartbeat = counter / 3,
                    Wedged = wedged,
                    Leaving = !wedged && counter % 2 == 0,
                };
                row.SetColumns(received, [.. received.Select(r => counter / 5)], [.. received.Select(r => counter / 7)], suspected);
                if (suspected.Length > 0 && counter % 3 == 0)
                {
                    row.AcceptedBallot = (int)(counter % suspected.Length);
                    row.AcceptedProposal = new ViewProposal(viewId + 1, [new ViewMember(id, incarnation, "e")], [], [id], [.. received]);
                }
                return row;
            });

    private static readonly Gen<ProtocolMessage> GenMessage = Gen.OneOf<ProtocolMessage>(
        GenRow.Select(r => (ProtocolMessage)new RowMessage(r)),
        Gen.Select(Gen.Int[0, 1000], Gen.Int[0, 100], Gen.Long[0, long.MaxValue / 2], Gen.Byte.Array[0, 30].Array[0, 8], Gen.Bool.Array[8],
            (v, r, f, payloads, nulls) => (ProtocolMessage)new DataBatch(v, r % 3, r, f,
                [.. payloads.Select((p, i) => nulls[i] ? (ReadOnlyMemory<byte>?)null : p)])),
        Gen.Select(Gen.Int[0, 1000], Gen.Int[0, 100], Gen.Long[0, 1 << 30], Gen.Byte.Array[1, 40], Gen.Int[0, 100],
            (v, r, i, bytes, offset) => (ProtocolMessage)new DataChunk(v, r % 4, r, i, offset + bytes.Length + 3, offset, bytes)),
        GenMember.Select(m => (ProtocolMessage)new JoinRequest(m)),
        Gen.Select(GenMember, Gen.Byte.Array[1, 40], (m, info) => (ProtocolMessage)new JoinRequest(m, info)),
        Gen.Select(Gen.UInt, Gen.String[0, 30], Gen.Bool, Gen.String[0, 12].Array[0, 5],
            (id, e, held, members) => (ProtocolMessage)new JoinRedirect(id, e, held, members)),
        GenProposal.Select(p => (ProtocolMessage)new CommitMessage(p)),
        Gen.Select(GenProposal, Gen.Byte.Array[0, 50], (p, s) => (ProtocolMessage)new WelcomeMessage(p, s)));

    [Fact]
    public void Every_message_round_trips_to_the_same_bytes()
    {
        GenMessage.Sample(message =>
        {
            var writer = new WireWriter();
            var bytes = MessageCodec.Encode(message, writer);
            var decoded = MessageCodec.Decode(bytes);
            Assert.Equal(message.GetType(), decoded.GetType());
            Assert.Equal(bytes, MessageCodec.Encode(decoded, writer));
        }, iter: 3000);
    }

    [Fact]
    public void A_batch_sent_as_head_and_gathered_last_payload_is_the_same_bytes()
    {
        Gen.Select(Gen.Int[0, 1000], Gen.Long[0, long.MaxValue / 2], Gen.Int[0, 3000].Array[0, 5], Gen.Bool.Array[5])
            .Sample((view, first, lengths, nulls) =>
            {
                var batch = new DataBatch(view, 1, 2, first,
                    [.. lengths.Select((length, i) => nulls[i] ? (ReadOnlyMemory<byte>?)null : Enumerable.Range(0, length).Select(b => (byte)(b * 7)).ToArray())]);
                var writer = new WireWriter();
                var head = MessageCodec.EncodeBatchHead(batch, writer, out var tail);
                var last = batch.Entries.LastOrDefault();
                Assert.Equal(last is { Length: >= MessageCodec.GatherThreshold }, !tail.IsEmpty);
                if (!tail.IsEmpty)
                {
                    // Sent from where it lies: the batch's own payload, not a copy.
                    Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(tail, out var segment)
                        && System.Runtime.InteropServices.MemoryMarshal.TryGetArray(last!.Value, out var original)
                        && ReferenceEquals(segment.Array, original.Array));
                }
                Assert.Equal(MessageCodec.Encode(batch, writer), (byte[])[.. head, .. tail.Span]);
            }, iter: 500);
    }

    [Fact]
    public void A_row_round_trips_field_by_field()
    {
        var row = new SstRow(7, 3, 12, 3) { Version = 99, Heartbeat = 5, Wedged = true };
        row.Reset(12, 3, [3, 0, 2]);
        row.Wedged = true;
        row.Received[0][0] = 14;
        row.Received[0][2] = 1L << 50;
        row.Received[2][1] = 6;
        row.Delivered[0] = 40;
        row.Persisted[2] = 5;
        row.Suspected[1] = true;
        var decoded = ((RowMessage)MessageCodec.Decode(MessageCodec.Encode(new RowMessage(row), new WireWriter()))).Row;
        Assert.Equal((7u, 3ul, 12, 99L, 5L, true), (decoded.NodeId, decoded.Incarnation, decoded.ViewId, decoded.Version, decoded.Heartbeat, decoded.Wedged));
        Assert.Equal(row.Received, decoded.Received);
        Assert.Equal(row.Delivered, decoded.Delivered);
        Assert.Equal(row.Persisted, decoded.Persisted);
        Assert.Equal(row.Suspected, decoded.Suspected);
        Assert.Equal(-1, decoded.AcceptedBallot);
    }

    [Fact]
    public void Garbage_and_truncations_throw_only_the_format_exception()
    {
        Gen.Byte.Array[0, 200].Sample(bytes => DecodeOrFormatError(bytes), iter: 20000);
        GenMessage.Sample(message =>
        {
            var bytes = MessageCodec.Encode(message, new WireWriter());
            for (var length = 0; length < bytes.Length; length++)
            {
                Assert.Throws<ProtocolFormatException>(() => MessageCodec.Decode(bytes.AsSpan(0, length)));
            }
            var flipped = bytes.ToArray();
            flipped[bytes.Length / 2] ^= 0x5A;
            DecodeOrFormatError(flipped);
        }, iter: 500);
    }

    [Fact]
    public void A_block_splits_after_its_header_and_decodes_from_the_two_parts_or_names_the_defect()
    {
        Gen.Select(Gen.Int[0, 1 << 20], Gen.Int[0, MessageCodec.MaxMembers - 1], Gen.Long[0, long.MaxValue / 2], Gen.Int[1, 5000], Gen.Int[0, 1 << 20])
            .Sample((view, rank, index, length, offset) =>
            {
                var bytes = new byte[length];
                new Random(length).NextBytes(bytes);
                var chunk = new DataChunk(view, rank % 7, rank, index, offset + length + (rank % 3), offset, bytes);
                var body = MessageCodec.Encode(chunk, new WireWriter());
                Assert.True(MessageCodec.TryReadChunkHeader(body.AsSpan(0, Math.Min(body.Length, 64)), body.Length, out var header, out var split));
                Assert.Equal(new ChunkHeader(view, rank % 7, rank, index, chunk.TotalLength, offset), header);
                Assert.Equal(body.Length - length, split);

                ReadOnlyMemory<byte> head = body.AsMemory(0, split), tail = body.AsMemory(split).ToArray();
                var decoded = Assert.IsType<DataChunk>(MessageCodec.DecodeShared(head, tail));
                Assert.Equal((view, index, offset, chunk.TotalLength), (decoded.ViewId, decoded.Index, decoded.Offset, decoded.TotalLength));
                Assert.True(decoded.Bytes.Span.SequenceEqual(bytes));
                Assert.True(decoded.ReceivedTail.Equals(tail) && decoded.Bytes.Equals(tail));

                // A block whose length disagrees with the body's, a tail that does not fit, and a split message of another kind.
                Assert.False(MessageCodec.TryReadChunkHeader(body.AsSpan(0, Math.Min(body.Length, 64)), body.Length + 1, out _, out _));
                Assert.Throws<ProtocolFormatException>(() => MessageCodec.DecodeShared(head, tail[1..]));
                if (length > 1)
                {
                    // (A one-byte block moved whole into the head is a block received in one part: valid.)
                    Assert.Throws<ProtocolFormatException>(() => MessageCodec.DecodeShared(body.AsMemory(0, split + 1), tail[1..]));
                }
                var row = MessageCodec.Encode(new RowMessage(new SstRow(1, 1, view, 1)), new WireWriter());
                Assert.False(MessageCodec.TryReadChunkHeader(row, row.Length, out _, out _));
                Assert.Throws<ProtocolFormatException>(() => MessageCodec.DecodeShared(row, tail));
            }, iter: 300);
        // Garbage is refused without an exception (the transport then receives the frame the ordinary way).
        Gen.Byte.Array[0, 64].Sample(bytes => { _ = MessageCodec.TryReadChunkHeader(bytes, 4096, out _, out _); }, iter: 20000);
    }

    [Fact]
    public void Oversized_counts_are_rejected_before_allocating()
    {
        var writer = new WireWriter();
        writer.Byte(2);
        writer.UInt(1);
        writer.UInt(0);
        writer.UInt(0);
        writer.UInt(0);
        writer.UInt(int.MaxValue);
        var e = Assert.Throws<ProtocolFormatException>(() => MessageCodec.Decode(writer.ToArray()));
        Assert.Contains("entry count", e.Message, StringComparison.Ordinal);
    }

    private static void DecodeOrFormatError(byte[] bytes)
    {
        try
        {
            MessageCodec.Decode(bytes);
        }
        catch (ProtocolFormatException)
        {
        }
    }
}
