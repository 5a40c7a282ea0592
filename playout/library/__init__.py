"""The clip library: importing audio files and finding clips."""
