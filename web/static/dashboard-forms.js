// Form messages that keep up with the form.

// clearOnInput empties a form's message (and the changed field's invalid
// mark) as soon as the host changes anything, so a message about a field
// never stays after the field is fixed; the next submit checks again.
export function clearOnInput(form, error) {
  const clearIt = (e) => {
    if (!error.textContent) return;
    error.textContent = "";
    if (e.target && e.target.removeAttribute) e.target.removeAttribute("aria-invalid");
  };
  form.addEventListener("input", clearIt);
  form.addEventListener("change", clearIt);
}
