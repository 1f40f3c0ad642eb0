/** Hands `blob` to the browser as a download called `fileName` (the file lands where the user's downloads go). */
export function saveFile(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  // The browser has taken the file once the click is handled; the address can go.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
