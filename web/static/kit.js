/* The order form's titration schedule (web/kit_order.py): steps added and removed, and the
   schedule's total kept up to date as it is typed. The form works without this script: it
   then has a fixed number of rows (empty ones are ignored) and the server draws the total
   when the order is previewed. The sums are web/kit_order.py's total(): the schedule's days
   and, for capsules, the capsules of each strength before overage (with "combine", a dose that
   is a whole multiple, at most 10, of a lower dose is made of it). */
(function () {
  "use strict";
  var table = document.getElementById("schedule");
  var said = document.getElementById("schedule-total-words");
  if (!table || !said) { return; }
  var form = table.closest("form");
  var body = table.tBodies[0];
  var max = parseInt(table.getAttribute("data-max"), 10) || 12;
  var WORDS = { dose: "dose", doses_per_day: "doses a day", days: "days" };
  var UNIT = 10000;  /* doses in 0.0001 mg, so that the sums are exact */
  var MAX_PER_DOSE = 10;

  function rows() { return Array.prototype.slice.call(body.rows); }
  function inputs(row) { return Array.prototype.slice.call(row.querySelectorAll("input[data-leaf]")); }
  function empty(row) { return inputs(row).every(function (i) { return !i.value.trim(); }); }
  function leaf(row, name) { return row.querySelector("input[data-leaf='" + name + "']").value; }

  function dose(text) {
    var found = /^\s*([0-9]{1,5}(?:\.[0-9]{1,4})?)\s*(mg|mcg)?\s*$/.exec(text || "");
    if (!found) { return null; }
    var units = Math.round(parseFloat(found[1]) * UNIT / (found[2] === "mcg" ? 1000 : 1));
    return units > 0 ? units : null;
  }
  function whole(text) {
    var found = /^\s*([0-9]{1,3})\s*$/.exec(text || "");
    return found && parseInt(found[1], 10) > 0 ? parseInt(found[1], 10) : null;
  }
  function mg(units) { return String(parseFloat((units / UNIT).toFixed(4))); }
  function from(strength, units) {
    return units % strength === 0 && units / strength <= MAX_PER_DOSE;
  }

  function total() {
    var steps = [];
    rows().forEach(function (row) {
      var d = dose(leaf(row, "dose")), n = whole(leaf(row, "doses_per_day") || "1"),
          days = whole(leaf(row, "days"));
      if (d !== null && n !== null && days !== null) { steps.push([d, n, days]); }
    });
    if (!steps.length) { return "No step yet."; }
    var length = steps.reduce(function (sum, s) { return sum + s[2]; }, 0);
    var days = length + " day" + (length === 1 ? "" : "s");
    var liquid = form.querySelector("#dosage_form");
    if (liquid && liquid.value === "oral_liquid") {
      var drug = steps.reduce(function (sum, s) { return sum + s[0] * s[1] * s[2]; }, 0);
      return days + ": " + mg(drug) + " mg of naltrexone HCl in all";
    }
    var combine = form.querySelector("#combine");
    var doses = steps.map(function (s) { return s[0]; })
      .filter(function (d, i, all) { return all.indexOf(d) === i; })
      .sort(function (a, b) { return a - b; });
    var made = [];
    doses.forEach(function (d) {
      if (!(combine && combine.checked && made.some(function (s) { return from(s, d); }))) {
        made.push(d);
      }
    });
    var capsules = made.map(function () { return 0; });
    steps.forEach(function (s) {
      var at = made.indexOf(s[0]);
      if (at < 0) {
        made.forEach(function (strength, i) { if (from(strength, s[0])) { at = i; } });
      }
      capsules[at] += (s[0] / made[at]) * s[1] * s[2];
    });
    return days + ": " + made.map(function (s, i) {
      return capsules[i] + " × " + mg(s) + " mg";
    }).join(", ") + " capsules, before overage";
  }

  function update() { said.textContent = total(); }

  function renumber() {
    rows().forEach(function (row, i) {
      row.cells[0].textContent = "Step " + (i + 1);
      inputs(row).forEach(function (input) {
        var name = "schedule." + i + "." + input.getAttribute("data-leaf");
        var errors = document.getElementById(input.id + "-error");
        if (errors) { errors.id = name + "-error"; input.setAttribute("aria-describedby", errors.id); }
        input.id = name;
        input.name = name;
        input.setAttribute("aria-label", "Step " + (i + 1) + " " + WORDS[input.getAttribute("data-leaf")]);
      });
      var remove = row.querySelector("button.remove-step");
      remove.setAttribute("aria-label", "Remove step " + (i + 1));
    });
    add.disabled = rows().length >= max;
  }

  function removing(row) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "remove-step";
    button.textContent = "Remove";
    button.addEventListener("click", function () {
      var all = rows(), at = all.indexOf(row);
      if (all.length === 1) {
        inputs(row).forEach(function (i) { i.value = ""; });
      } else {
        row.remove();
      }
      renumber();
      update();
      var next = rows()[Math.min(at, rows().length - 1)];
      next.querySelector("input").focus();
    });
    var cell = document.createElement("td");
    cell.appendChild(button);
    row.appendChild(cell);
  }

  var head = document.createElement("th");
  head.scope = "col";
  head.textContent = "Remove";
  table.tHead.rows[0].appendChild(head);
  var add = document.createElement("button");
  add.type = "button";
  add.id = "add-step";
  add.textContent = "Add a step";
  var where = document.createElement("p");
  where.className = "add-step";
  where.appendChild(add);
  table.parentNode.insertBefore(where, table.nextSibling);
  add.addEventListener("click", function () {
    var last = rows()[rows().length - 1];
    var row = last.cloneNode(true);
    Array.prototype.slice.call(row.querySelectorAll(".field-errors")).forEach(function (e) { e.remove(); });
    inputs(row).forEach(function (i) {
      i.value = "";
      i.removeAttribute("aria-invalid");
      i.removeAttribute("aria-describedby");
    });
    row.querySelector("button.remove-step").parentNode.remove();
    removing(row);
    body.appendChild(row);
    renumber();
    row.querySelector("input").focus();
  });

  /* the filled rows, and one empty row when none is filled: "Add a step" makes more */
  var filled = rows().filter(function (row) { return !empty(row); }).length;
  rows().forEach(function (row, i) {
    if (empty(row) && i >= Math.max(filled, 1) && !row.querySelector("[aria-invalid]")) { row.remove(); }
  });
  rows().forEach(removing);
  renumber();
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
}());
